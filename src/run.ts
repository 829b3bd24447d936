/**
 * The modes behind the command line: interactive wizard, answers file (--answers/--yes),
 * dry run, rollback, verify. Exit codes: 0 success or nothing to do, 1 apply failed (rolled
 * back), 2 usage error or invalid answers.
 */
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { CliOptions } from './cli.js';
import { mxDomains, mxFindings } from './plan/mx.js';
import { mxHostsOf } from './system/dns.js';
import { renderPlanText } from './output/preview.js';
import { stepText } from './output/steps.js';
import { paint } from './output/styled.js';
import { isEmptyPlan, type Plan } from './model/plan.js';
import { AnswersError, isRoleId, parseAnswersYaml } from './roles/answers.js';
import { AnswersInvalid } from './roles/resolve.js';
import type { Answers, RoleId } from './model/answers.js';
import { roleInfos } from './roles/index.js';
import { questionsFor } from './roles/questions.js';
import { loadSecrets, Session } from './session.js';
import { afterApply, hostSummary, preflight } from './steps.js';
import {
  apply,
  findUnfinished,
  recoverUnfinished,
  rollbackLatest,
  type StepEvent,
  type ApplyResult,
} from './system/apply.js';
import { readHostFacts } from './system/hostFacts.js';
import { installPostfix } from './system/install.js';
import { createRealEffects } from './system/realEffects.js';
import type { Effects } from './model/effects.js';
import type { HostFacts } from './model/host.js';
import { loadTemplates } from './templates.js';

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

/** Print step events as plain lines (the non-interactive step list). */
export function eventPrinter(color: boolean): (e: StepEvent) => void {
  return (e) => out(stepText(e, color));
}

/** `s` quoted for a POSIX shell when it needs quoting. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * Print how an apply (or, with `what` 'rollback', a --rollback) ended; returns the exit code.
 * `root` is the --root sandbox, repeated in the undo hint so that it never points at the live system.
 */
function printResult(r: ApplyResult, color: boolean, what: 'apply' | 'rollback' = 'apply', root?: string): number {
  for (const w of r.warnings) out(`${paint(color, 'warning', 'warning:')} ${w}\n`);
  if (what === 'rollback') {
    if (r.ok) {
      out(
        `${paint(color, 'ok', 'Rolled back.')}${r.backupDir ? ` The files are as they were before the apply of ${r.backupDir}` : ''}\n`,
      );
      return 0;
    }
    err(`${paint(color, 'failed', 'Rollback failed:')} ${r.error ?? 'unknown error'}\n`);
    return 1;
  }
  if (r.ok) {
    if (!r.changed) out('Nothing to do: the configuration is already as asked.\n');
    else {
      out(`${paint(color, 'ok', 'Applied.')}${r.backupDir ? ` Backup: ${r.backupDir}` : ''}\n`);
      if (root === undefined) out('Undo with: mailsetup --rollback    Check with: postconf -n; mailsetup --verify\n');
      else
        out(
          `Undo with: mailsetup --rollback --root ${shellWord(root)}    Check with: postconf -c ${shellWord(`${root}/etc/postfix`)} -n\n`,
        );
    }
    return 0;
  }
  err(`${paint(color, 'failed', 'Apply failed:')} ${r.error ?? 'unknown error'}\n`);
  if (r.rolledBack) err(`Every file was restored from the backup${r.backupDir ? ` (${r.backupDir})` : ''}.\n`);
  return 1;
}

async function readAnswersFile(path: string): Promise<Partial<Answers>> {
  let text: string;
  try {
    text = await readFile(resolvePath(path), 'utf8');
  } catch (e) {
    throw new AnswersError(
      `cannot read answers file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseAnswersYaml(text, false);
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Plan from answers; prints problems and returns null when the answers are invalid. */
function planOrReport(session: Session, given: Partial<Answers> & { role: RoleId }): Plan | null {
  try {
    return session.plan(given);
  } catch (e) {
    if (e instanceof AnswersInvalid) {
      err('mailsetup: invalid answers:\n');
      for (const p of e.problems) err(`  ${p.key}: ${p.message}\n`);
      return null;
    }
    throw e;
  }
}

/** The answers file (with the password file read) and --role; null after printing why they are unusable. */
async function givenAnswers(opts: CliOptions): Promise<Partial<Answers> | null> {
  let given: Partial<Answers>;
  try {
    given = opts.answers ? await loadSecrets(await readAnswersFile(opts.answers)) : {};
  } catch (e) {
    err(`mailsetup: ${(e as Error).message}\n`);
    return null;
  }
  if (opts.role !== undefined) {
    if (!isRoleId(opts.role)) {
      err(`mailsetup: --role: "${opts.role}" is not a role (null-client, mail-server, backup-mx, firewall-relay)\n`);
      return null;
    }
    given.role = opts.role;
  }
  return given;
}

async function nonInteractive(opts: CliOptions, fx: Effects, host: HostFacts, session: Session): Promise<number> {
  const given = await givenAnswers(opts);
  if (given === null) return 2;
  const role = given.role ?? (isRoleId(session.detected.role) ? session.detected.role : undefined);
  if (!role) {
    err(
      'mailsetup: role: required (give role: in the answers file or --role): null-client, mail-server, backup-mx or firewall-relay\n',
    );
    return 2;
  }
  const p = planOrReport(session, { ...given, role });
  if (!p) return 2;
  if (fx.live) p.findings.push(...mxFindings(p.answers, await mxHostsOf(fx, mxDomains(p.answers))));
  out(renderPlanText(p, { color: opts.color }));
  const blocking = p.findings.filter((f) => f.level === 'error');
  if (blocking.length) {
    err(`mailsetup: refusing to apply: ${blocking.length} error${blocking.length > 1 ? 's' : ''} above`);
    const ids = blocking.map((f) => f.override).filter((x): x is string => !!x);
    err(ids.length ? ` (override knowingly with "overrides: [${ids.join(', ')}]" in the answers file)\n` : '\n');
    return 2;
  }
  if (opts.dryRun) return opts.check && !isEmptyPlan(p) ? 1 : 0;
  if (!opts.yes) {
    err('mailsetup: nothing applied: pass --yes to apply these answers without questions\n');
    return 2;
  }
  let toApply = p;
  let target = host;
  if (!host.postfix.installed && fx.live) {
    // Install only now that the answers are valid; then plan again against what the package wrote.
    if (!(await installPostfix(fx, eventPrinter(opts.color)))) {
      err('mailsetup: installing Postfix failed; nothing was configured\n');
      return 1;
    }
    target = await readHostFacts(fx);
    const again = planOrReport(await Session.open(fx, target, loadTemplates()), { ...given, role });
    if (!again) return 2;
    toApply = again;
  }
  if (isEmptyPlan(toApply)) {
    out('Nothing to do: the configuration is already as asked.\n');
    return 0;
  }
  const onEvent = eventPrinter(opts.color);
  const stop = await preflight(toApply, fx, onEvent);
  if (stop) {
    err(`mailsetup: nothing applied: ${stop.message}\n`);
    if (stop.login) for (const l of stop.login.transcript) err(`  ${l}\n`);
    return 2;
  }
  const result = await apply(toApply, fx, target, { onEvent });
  if (result.ok && result.changed) await afterApply(fx, target, onEvent);
  return printResult(result, opts.color, 'apply', opts.root);
}

export async function run(opts: CliOptions): Promise<number> {
  const root = opts.root ? resolvePath(opts.root) : '/';
  if (root === '/' && !opts.dryRun && !opts.verify && !isRoot()) {
    err(
      'mailsetup: root is needed to configure Postfix: run it with sudo (or use --dry-run, or --root DIR for a sandbox)\n',
    );
    return 2;
  }
  const interactive =
    !opts.yes && !opts.dryRun && !opts.rollback && !opts.verify && !!process.stdin.isTTY && !!process.stdout.isTTY;
  if (!interactive && !opts.answers && !opts.yes && !opts.dryRun && !opts.rollback && !opts.verify && !opts.role) {
    err(
      'mailsetup: no terminal to ask questions on: pass --answers FILE (and --yes to apply), or run it in a terminal\n',
    );
    return 2;
  }
  const fx = createRealEffects(root);
  if (interactive) return interactiveRun(opts, fx, root);
  const host = await readHostFacts(fx);

  if (opts.rollback) {
    const r = await rollbackLatest(fx, host, { onEvent: eventPrinter(opts.color) });
    return printResult(r, opts.color, 'rollback');
  }
  if (opts.verify) {
    const { verify } = await import('./commands/verify/index.js');
    return verify(fx, host, { color: opts.color });
  }
  if (!(await recoverIfNeeded(fx, host, opts))) return 1;

  const session = await Session.open(fx, host, loadTemplates());
  return nonInteractive(opts, fx, host, session);
}

/** Remove the variables by which libraries guess that they run in CI. */
export function forgetCi(env: NodeJS.ProcessEnv): void {
  for (const k of Object.keys(env))
    if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) delete env[k];
}

/** An unfinished apply (killed mid-way) is rolled back before anything else. */
async function recoverIfNeeded(fx: Effects, host: HostFacts, opts: CliOptions): Promise<boolean> {
  const unfinished = await findUnfinished(fx);
  if (!unfinished) return true;
  err(`mailsetup: an earlier apply did not finish (backup ${unfinished}); completing its rollback first\n`);
  if (opts.dryRun) {
    err('mailsetup: --dry-run: not recovering; run mailsetup without --dry-run (or mailsetup --rollback)\n');
    return false;
  }
  const r = await recoverUnfinished(fx, host, { onEvent: eventPrinter(opts.color) });
  if (!r.ok) printResult(r, opts.color, 'rollback');
  return r.ok;
}

/**
 * The wizard. The first frame is drawn at once; host probes and the reading of the files run
 * behind it and arrive as they finish. Postfix, when missing, is installed as the first step of
 * the confirmed apply.
 */
async function interactiveRun(opts: CliOptions, fx: Effects, root: string): Promise<number> {
  const prefill = await givenAnswers(opts);
  if (prefill === null) return 2;
  // Host probes and file reads start when the wizard first asks for them, after its first frame
  // is drawn: spawning them before would make the user wait for the first screen.
  let hostP: Promise<HostFacts> | null = null;
  let sessionP: Promise<Session> | null = null;
  let detectedRole: RoleId | 'custom' | null = null;
  const host = (): Promise<HostFacts> => (hostP ??= readHostFacts(fx));
  const session = (): Promise<Session> =>
    (sessionP ??= host().then(async (h) => {
      if (!(await recoverIfNeeded(fx, h, opts)))
        throw new Error('an unfinished apply could not be rolled back; see the messages above');
      const s = await Session.open(fx, h, loadTemplates());
      detectedRole = s.detected.role;
      return s;
    }));
  // Ink draws only the final frame, and chalk drops colours, when they believe they run in CI
  // (they read CI, CONTINUOUS_INTEGRATION and CI_* once, when they load). Here stdin and stdout
  // are a terminal a person types on, so the wizard must be live and coloured.
  forgetCi(process.env);
  const { runWizard } = await import('./ui/render.js');
  let applied: HostFacts | null = null;
  const code = await runWizard(
    {
      loadHost: host,
      detect: async () => {
        const s = await session();
        return {
          role: prefill.role ?? s.detected.role,
          answers: { ...s.detected.answers, ...prefill },
          summary: await hostSummary(fx, s.host, s.detected, s.files),
        };
      },
      roles: () => roleInfos(),
      questions: (role, host, current) => questionsFor(role, host, current, detectedRole),
      plan: async (answers) => {
        const p = (await session()).plan(answers);
        // DNS is asked only on the live system; a --root sandbox never reaches out.
        if (fx.live) p.findings.push(...mxFindings(p.answers, await mxHostsOf(fx, mxDomains(p.answers))));
        return p;
      },
      apply: async (p, h, onEvent) => {
        if (!h.postfix.installed && root === '/') {
          const ok = await installPostfix(fx, onEvent);
          if (!ok)
            return {
              ok: false,
              changed: false,
              rolledBack: false,
              error: 'installing Postfix failed; nothing was configured',
              warnings: [],
              events: [],
            };
          h = await readHostFacts(fx);
          // The package wrote its own files: plan the same answers again against them.
          p = (await Session.open(fx, h, loadTemplates())).plan(p.answers);
        }
        const stop = await preflight(p, fx, onEvent);
        if (stop)
          return {
            ok: false,
            changed: false,
            rolledBack: false,
            error: `nothing applied: ${stop.message}`,
            warnings: [],
            events: [],
          };
        const result = await apply(p, fx, h, { onEvent });
        if (result.ok && result.changed) {
          await afterApply(fx, h, onEvent);
          applied = h;
        }
        return result;
      },
    },
    { color: opts.color, root: root === '/' ? undefined : root },
  );
  if (code === 0 && applied !== null) await offerVerify(fx, applied, opts, root);
  return code;
}

/**
 * After a wizard apply: offer to check the result at once with --verify (its outcome is shown;
 * the exit code stays the apply's).
 */
async function offerVerify(fx: Effects, host: HostFacts, opts: CliOptions, root: string): Promise<void> {
  const { createInterface } = await import('node:readline/promises');
  // Ink leaves stdin unref'd when it unmounts: without ref() Node would exit while we wait.
  process.stdin.ref();
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  let answer: string;
  try {
    answer = (await rl.question(`Check it now with mailsetup --verify${root === '/' ? '' : ` --root ${root}`}? [Y/n] `))
      .trim()
      .toLowerCase();
  } finally {
    rl.close();
  }
  if (answer !== '' && answer !== 'y' && answer !== 'yes') return;
  const { verify } = await import('./commands/verify/index.js');
  await verify(fx, host, { color: opts.color });
}
