/**
 * mailsetup --forget: hand the box back. It shows what mailsetup owned (its state file), then
 * removes that file through the apply engine (locked, backed up: --rollback puts it back). No
 * Postfix setting changes; the next run starts from recognising the configuration in main.cf.
 */
import type { ExitCode } from '../../model/errors.js';
import { MAIN_CF, STATE_PATH } from '../../model/paths.js';
import { printable } from '../../model/text.js';
import type { Plan } from '../../model/plan.js';
import { findHandEdits } from '../../plan/handEdits.js';
import { emptyState, parseState, StateError, type State } from '../../plan/state.js';
import { apply } from '../../system/apply.js';
import { readHostFacts } from '../../system/hostFacts.js';
import { confirmed, eventPrinter, shellWord, type CommandContext } from '../context.js';
import { recoverIfNeeded } from '../recover.js';
import { reportApply } from '../report.js';

/** Exit code when the user answers no: nothing was done. */
const DECLINED: ExitCode = 130;

/** What the state file says mailsetup owns, one item a line. */
export function ownedLines(state: State, mainText: string | null): string[] {
  const edits = new Map((mainText === null ? [] : findHandEdits(state, mainText)).map((e) => [e.name, e]));
  const lines: string[] = [];
  const shown = (v: string | undefined) => (v === undefined ? '(removed)' : v === '' ? '(empty)' : v);
  const params = Object.entries(state.main.owned);
  if (params.length > 0) {
    lines.push('  main.cf parameters it set:');
    for (const [name, value] of params) {
      const e = edits.get(name);
      lines.push(`    ${name} = ${shown(value)}${e ? `  (changed by hand since: now ${shown(e.now)})` : ''}`);
    }
  }
  const changed = Object.keys(state.master.previous);
  if (changed.length > 0) lines.push(`  master.cf entries it changed (chroot): ${changed.join(', ')}`);
  const commented = Object.keys(state.master.commented);
  if (commented.length > 0) lines.push(`  master.cf entries it commented out: ${commented.join(', ')}`);
  const aliases = Object.entries(state.aliases.owned);
  if (aliases.length > 0) lines.push(`  aliases: ${aliases.map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  for (const [path, m] of Object.entries(state.maps)) {
    lines.push(`  ${path}: the keys ${Object.keys(m.keys).join(', ')}${m.created ? ' (it created the file)' : ''}`);
  }
  if (state.created.length > 0) lines.push(`  files it created: ${state.created.join(', ')}`);
  return lines;
}

export async function forget(ctx: CommandContext): Promise<ExitCode> {
  const { fx, io } = ctx;
  const host = await readHostFacts(fx);
  await recoverIfNeeded(ctx, host);
  const text = await fx.readFile(STATE_PATH);
  const shown = await fx.realPath(STATE_PATH).catch(() => fx.resolve(STATE_PATH));
  if (text === null) {
    io.out(`mailsetup has no record here (no ${shown}): there is nothing to forget.\n`);
    return 0;
  }
  let state: State;
  try {
    state = parseState(text);
    io.out(`What mailsetup owns here (${shown}), role ${state.answers.role}:\n`);
    for (const line of ownedLines(state, await fx.readFile(MAIN_CF))) io.out(`${line}\n`);
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    // A damaged record is forgotten all the same; there is just nothing to show of it.
    io.out(`mailsetup's record cannot be read (${printable(e.message)}); it is removed all the same.\n`);
    state = emptyState({ role: 'unknown' });
  }
  io.out(
    `Forgetting removes ${STATE_PATH} only: no Postfix setting changes and every file above stays as it is; ` +
      'the next run recognises the configuration from main.cf.\n',
  );
  if (ctx.opts.dryRun) {
    io.out('--dry-run: nothing was removed.\n');
    return 0;
  }
  if (!(await confirmed(ctx, 'Forget?'))) {
    io.out('Nothing was removed.\n');
    return DECLINED;
  }
  const plan: Plan = {
    role: state.answers.role,
    previousRole: state.answers.role,
    answers: state.answers,
    files: [{ path: STATE_PATH, before: text, after: null, description: 'what mailsetup owns (its state file)' }],
    actions: [],
    params: [],
    findings: [],
    drift: [],
  };
  const r = await apply(plan, fx, host, {
    onEvent: eventPrinter(ctx),
    summary: { kind: 'forget', roleBefore: state.answers.role, roleAfter: null },
  });
  if (!r.ok) return reportApply(ctx, r);
  for (const w of r.warnings) io.out(`warning: ${printable(w)}\n`);
  io.out(
    `Forgotten: mailsetup owns nothing here now.${r.backupDir ? ` Backup: ${r.backupDir}` : ''}\n` +
      `Undo with: mailsetup --rollback${ctx.root === '/' ? '' : ` --root ${shellWord(ctx.root)}`}\n`,
  );
  return 0;
}
