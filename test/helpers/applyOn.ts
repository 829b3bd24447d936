/** applyAnswers on in-memory Effects, as `mailsetup --answers - --yes [--no-probes]` runs it. */
import { applyAnswers } from '../../src/commands/apply/index.js';
import type { CommandContext } from '../../src/commands/context.js';
import { readHostFacts } from '../../src/system/hostFacts.js';
import type { MemoryEffects } from '../../src/system/memoryEffects.js';
import { withoutProbes } from '../../src/system/probes.js';
import { cliOptions } from './options.js';

/** The run's exit code and all it printed (stdout and stderr, in order); the answers come from `fx`'s stdin. */
export async function applyOn(fx: MemoryEffects, noProbes: boolean): Promise<{ code: number; text: string }> {
  const out: string[] = [];
  const ctx: CommandContext = {
    opts: cliOptions({ answers: '-', yes: true, noProbes }),
    fx: noProbes ? withoutProbes(fx) : fx,
    root: '/',
    io: { out: (s) => void out.push(s), err: (s) => void out.push(s) },
    interactive: false,
    isRoot: true,
  };
  const code = await applyAnswers(ctx, readHostFacts(ctx.fx));
  return { code, text: out.join('') };
}
