/**
 * The non-interactive mode: answers from a file (--answers) and/or --role, the plan printed as
 * plain text, and with --yes applied; with --dry-run nothing is written (--check: exit 1 when
 * something would change). Errors in the answers and unoverridden linter errors exit 2.
 */
import { MailsetupError, UsageError, type ExitCode } from '../../model/errors.js';
import type { HostFacts } from '../../model/host.js';
import { isEmptyPlan } from '../../model/plan.js';
import { printNextSteps } from '../nextSteps.js';
import { mxDomains, mxFindings } from '../../plan/mx.js';
import { mxHostsOf } from '../../system/dns.js';
import { renderPlanText } from '../../output/preview.js';
import { isRoleId, roleIdList } from '../../roles/index.js';
import { apply } from '../../system/apply.js';
import { readHostFacts } from '../../system/hostFacts.js';
import { loadTemplates } from '../../system/templates.js';
import { eventPrinter, type CommandContext } from '../context.js';
import { recoverIfNeeded } from '../recover.js';
import { reportApply } from '../report.js';
import { saveAnswers } from '../saveAnswers.js';
import { givenAnswers, Session } from '../session.js';
import { afterApply, installIfMissing, preflight } from '../steps.js';

export async function applyAnswers(ctx: CommandContext): Promise<ExitCode> {
  const { fx, opts, io } = ctx;
  const host: HostFacts = await readHostFacts(fx);
  await recoverIfNeeded(ctx, host);
  const session = await Session.open(fx, host, loadTemplates());
  const given = await givenAnswers(fx, opts);
  const role = given.role ?? (isRoleId(session.detected.role) ? session.detected.role : undefined);
  if (!role) throw new UsageError(`role: required (give role: in the answers file or --role): ${roleIdList()}`);
  ctx.json?.role(session.detected.role, role);
  const p = session.planOrExit({ ...given, role });
  if (fx.live) p.findings.push(...mxFindings(p.answers, await mxHostsOf(fx, mxDomains(p.answers))));
  ctx.json?.plan(p);
  io.out(renderPlanText(p, { color: opts.color, current: session.detected.role }));
  const blocking = p.findings.filter((f) => f.level === 'error');
  if (blocking.length) {
    const ids = blocking.map((f) => f.override).filter((x): x is string => !!x);
    // The text mode has just printed the findings; the JSON document's error names them.
    throw new MailsetupError(
      `refusing to apply: ${blocking.length} error${blocking.length > 1 ? 's' : ''}${ctx.json ? '' : ' above'}` +
        (ids.length ? ` (override knowingly with "overrides: [${ids.join(', ')}]" in the answers file)` : ''),
      2,
      ctx.json ? blocking.map((f) => `${f.id}: ${f.message}`) : [],
    );
  }
  if (opts.saveAnswers !== undefined)
    for (const line of await saveAnswers(ctx, p.answers, host, opts.saveAnswers)) io.out(`${line}\n`);
  if (opts.dryRun) {
    ctx.json?.changed(!isEmptyPlan(p));
    if (!isEmptyPlan(p)) await printNextSteps(ctx, p, host);
    return opts.check && !isEmptyPlan(p) ? 1 : 0;
  }
  if (!opts.yes) throw new UsageError('nothing applied: pass --yes to apply these answers without questions');

  const onEvent = eventPrinter(ctx);
  // Install only now that the answers are valid; then plan again against what the package wrote.
  const target = await installIfMissing(fx, host, p, onEvent);
  if (target.host !== host) ctx.json?.changed(true); // Postfix was installed
  if (target.plan !== p) ctx.json?.plan(target.plan);
  if (isEmptyPlan(target.plan)) {
    io.out('Nothing to do: the configuration is already as asked.\n');
    return 0;
  }
  const stop = await preflight(target.plan, fx, onEvent);
  if (stop) {
    throw new MailsetupError(
      `nothing applied: ${stop.message}`,
      2,
      (stop.login?.transcript ?? []).map((l) => `  ${l}`),
    );
  }
  const result = await apply(target.plan, fx, target.host, { onEvent });
  ctx.json?.result(result);
  if (result.ok && result.changed) await afterApply(fx, target.host, onEvent);
  const code = reportApply(ctx, result);
  if (result.ok && result.changed) await printNextSteps(ctx, target.plan, target.host);
  return code;
}
