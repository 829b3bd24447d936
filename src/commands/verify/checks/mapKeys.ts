/**
 * Check: every key mailsetup wrote in a lookup table or in /etc/aliases (the state file lists
 * them) gives the value it wrote, asked of the database with `postmap -q` / `postalias -q`.
 * One check per table.
 */
import type { State } from '../../../plan/state.js';
import type { StepOutcomeReport } from '../../../system/runner.js';
import { directoriesOf, withSandboxConfig } from '../../../system/sandbox.js';
import { realPath, type VerifyContext } from '../context.js';

/** One table whose keys are checked. */
export interface MapTable {
  label: string;
  cmd: 'postmap' | 'postalias';
  /** The system path mailsetup wrote. */
  path: string;
  /** Key → the value mailsetup wrote ("(secret)" for a secret map). */
  keys: Record<string, string>;
}

/** The tables of the state file: each lookup table, then the aliases mailsetup owns. */
export function mapTables(state: State): MapTable[] {
  const tables: MapTable[] = [];
  for (const [path, m] of Object.entries(state.maps))
    tables.push({ label: `Lookup table ${path}`, cmd: 'postmap', path, keys: m.keys });
  if (Object.keys(state.aliases.owned).length)
    tables.push({ label: 'Aliases /etc/aliases', cmd: 'postalias', path: '/etc/aliases', keys: state.aliases.owned });
  return tables;
}

/** A value as compared: commas and runs of space made uniform. */
function normalizeValue(v: string): string {
  return v
    .trim()
    .replace(/\s*,\s*/g, ', ')
    .replace(/\s+/g, ' ');
}

export async function checkMapKeys(
  ctx: Pick<VerifyContext, 'fx' | 'cfg' | 'configDir' | 'params'> & Partial<Pick<VerifyContext, 'host'>>,
  t: MapTable,
): Promise<StepOutcomeReport> {
  // A sandbox's tables are asked through a private copy of its configuration (never the host's queue).
  if (!ctx.fx.live && !ctx.configDir && ctx.host) {
    const host = ctx.host;
    return withSandboxConfig(ctx.fx, directoriesOf(host), (config) => keysAsWritten(ctx, t, config));
  }
  return keysAsWritten(ctx, t, ctx.cfg);
}

async function keysAsWritten(
  ctx: Pick<VerifyContext, 'fx' | 'cfg' | 'configDir' | 'params'>,
  t: MapTable,
  cfg: string,
): Promise<StepOutcomeReport> {
  const type = ctx.params.default_database_type || 'hash';
  const file = await realPath(ctx, t.path);
  const wrong: string[] = [];
  for (const [key, value] of Object.entries(t.keys)) {
    const r = await ctx.fx.run(t.cmd, ['-c', cfg, '-q', key, `${type}:${file}`], { timeoutMs: 30_000 });
    const got = r.stdout.replace(/\n$/, '');
    if (r.exitCode !== 0) {
      const err = r.stderr.trim().split('\n').pop();
      wrong.push(
        `${key}: ${err ? err : 'not found'} (mailsetup wrote ${value === '(secret)' ? 'a secret' : `"${value}"`})`,
      );
    } else if (value === '(secret)') {
      if (got.trim() === '') wrong.push(`${key}: empty value`);
    } else if (normalizeValue(got) !== normalizeValue(value)) {
      wrong.push(`${key}: ${t.cmd} -q gives "${got}", mailsetup wrote "${value}"`);
    }
  }
  const n = Object.keys(t.keys).length;
  const keys = `key${n > 1 ? 's' : ''}`;
  return wrong.length
    ? {
        status: 'failed',
        detail: `${wrong.length} of ${n} ${keys} differ from what mailsetup wrote (${type}:${file})`,
        explain: wrong,
      }
    : { status: 'ok', detail: `${n} ${keys} as written (${t.cmd} -q ${type}:${file})` };
}
