/**
 * `--answers … --yes` after an apply was killed half way: the unfinished apply is rolled back
 * first, and the run then plans against the files as the rollback left them — not as they were
 * when the run started (applyAnswers reads the files while the host's facts are gathered, and
 * must read them again after a recovery). On the in-memory Effects of a live Debian box.
 */
import { describe, expect, it } from 'vitest';
import { applyAnswers } from '../../src/commands/apply/index.js';
import type { CommandContext } from '../../src/commands/context.js';
import { MAIN_CF } from '../../src/model/paths.js';
import { apply } from '../../src/system/apply.js';
import { memoryDebianBox, NULL_CLIENT_ANSWERS } from '../helpers/host.js';
import { cliOptions } from '../helpers/options.js';
import { planOf, testHost } from '../helpers/system-fixture.js';

const ANSWERS = NULL_CLIENT_ANSWERS;
const BEFORE = 'compatibility_level = 3.6\nmyhostname = before.example.com\n';
const HALF = 'compatibility_level = 3.6\nmyhostname = half-applied.example.com\n';

const box = () => memoryDebianBox(ANSWERS, { [MAIN_CF]: BEFORE });

describe('an apply killed half way, then --answers --yes', () => {
  it('is rolled back first, and the new plan is made against the restored files', async () => {
    const fx = box();
    // An earlier apply wrote HALF and was killed before it finished: its backup holds BEFORE and
    // its manifest still says in-progress.
    const killed = await apply(
      planOf([{ path: MAIN_CF, before: BEFORE, after: HALF, description: 'm' }], [{ kind: 'postfix-check' }]),
      fx,
      testHost(),
      {
        faultHook: (id) => {
          if (id === 'action:postfix-check') throw new Error('killed');
        },
      },
    );
    expect(killed.ok).toBe(false);
    const manifest = [...fx.files.keys()].find((k) => k.endsWith('/manifest.json')) as string;
    const m = JSON.parse(fx.files.get(manifest)!.content) as { status: string };
    m.status = 'in-progress';
    fx.files.get(manifest)!.content = JSON.stringify(m);
    fx.files.get(MAIN_CF)!.content = HALF;

    const out: string[] = [];
    const ctx: CommandContext = {
      opts: cliOptions({ answers: '-', yes: true, dryRun: false }),
      fx,
      root: '/',
      io: { out: (s) => void out.push(s), err: (s) => void out.push(s) },
      interactive: false,
      isRoot: true,
    };
    expect(await applyAnswers(ctx)).toBe(0);
    const text = out.join('');
    expect(text).toContain('an earlier apply did not finish');
    // The plan's diff starts from the restored main.cf, not from the half-applied one.
    expect(text).toContain('-myhostname = before.example.com');
    expect(text).not.toContain('half-applied');
    expect(fx.files.get(MAIN_CF)?.content).toContain('myhostname = host.example.com');
  });
});
