/**
 * The steps around an apply that need the machine but are not file edits: what the host probes
 * say (for the first screen), installing Postfix on a fresh box (and planning again against the
 * package's files), the smart-host login test and libsasl2-modules before the apply, and pinning
 * debconf afterwards so `dpkg-reconfigure postfix` or an upgrade does not undo the work.
 */
import type { Answers, RoleId } from '../model/answers.js';
import type { Effects } from '../model/effects.js';
import { MailsetupError } from '../model/errors.js';
import type { StepEvent } from '../model/events.js';
import type { HostFacts } from '../model/host.js';
import { MAIN_CF } from '../model/paths.js';
import type { Detection, Plan } from '../model/plan.js';
import { SECRET_PLACEHOLDER } from '../plan/plan.js';
import { roleModule } from '../roles/index.js';
import { debconfDisagreement, pinNoConfiguration } from '../system/debconf.js';
import { readHostFacts } from '../system/hostFacts.js';
import { ensurePackage, installPostfix } from '../system/install.js';
import { outbound25, probeSummary, runProbes } from '../system/probes.js';
import { testSmartHostLogin, type LoginResult } from '../system/smtpLogin.js';
import { loadTemplates } from '../system/templates.js';
import { Session, type Files } from './session.js';

/** The override id that applies despite a failed smart-host login test. */
export const LOGIN_OVERRIDE = 'smarthost-login';

/**
 * Before the first apply on a box without Postfix: install it (live system only), then plan the
 * same answers again against the files the package wrote. Returns the plan and host to apply.
 */
export async function installIfMissing(
  fx: Effects,
  host: HostFacts,
  given: Plan,
  onEvent: (e: StepEvent) => void,
): Promise<{ plan: Plan; host: HostFacts }> {
  if (host.postfix.installed || !fx.live) return { plan: given, host };
  if (!(await installPostfix(fx, onEvent))) {
    throw new MailsetupError('installing Postfix failed; nothing was configured', 1);
  }
  const after = await readHostFacts(fx);
  const again = (await Session.open(fx, after, await loadTemplates(fx))).planOrExit(
    given.answers as Partial<Answers> & { role: RoleId },
  );
  return { plan: again, host: after };
}

/**
 * The first screen's slow lines (they arrive after its first frame): what the probes found (the
 * network, DNS) and debconf's view. What is configured now is the detection's own summary.
 */
export async function probeLines(fx: Effects, host: HostFacts, detected: Detection, files: Files): Promise<string[]> {
  const role = detected.role && detected.role !== 'custom' ? detected.role : undefined;
  const isMx = role === undefined ? undefined : roleModule(role).mx !== null;
  // Network probes only on the live system: a --root sandbox never reaches out.
  const relayhost = fx.live ? detected.answers.relayhost || undefined : undefined;
  const [probes, debconf] = await Promise.all([
    runProbes(fx, host, { isMx, target: relayhost, sasl: detected.answers.smtp_sasl !== undefined, timeoutMs: 3000 }),
    fx.live && host.distro.debianLike && files[MAIN_CF]
      ? debconfDisagreement(fx, files[MAIN_CF] as string, host.fqdn)
      : Promise.resolve([]),
  ]);
  const lines = probeSummary(probes);
  for (const w of debconf) lines.push(`debconf: ${w.message}`);
  return lines;
}

/** Result of the steps before an apply: null when all is well, else the reason to stop. */
export interface PreflightFailure {
  message: string;
  login?: LoginResult;
}

/**
 * Before writing a smart-host login: make sure Postfix's SASL client has its mechanisms
 * (libsasl2-modules), and try the login for real. A failed login stops the apply with the
 * server's words unless the answers override `smarthost-login`.
 */
export async function preflight(
  plan: Plan,
  fx: Effects,
  onEvent: (e: StepEvent) => void,
): Promise<PreflightFailure | null> {
  await probeRelayPort(plan, fx, onEvent);
  const sasl = plan.answers.smtp_sasl;
  if (!sasl || !plan.answers.relayhost) return null;
  if (fx.live && !(await ensurePackage(fx, 'libsasl2-modules', onEvent))) {
    return { message: 'libsasl2-modules could not be installed: Postfix would fail with "no mechanism available"' };
  }
  if (sasl.password === undefined || sasl.password === SECRET_PLACEHOLDER) {
    onEvent({
      id: 'login-test',
      label: `Test the login at ${plan.answers.relayhost}`,
      status: 'skipped',
      detail: 'the stored password is kept and not tested',
    });
    return null;
  }
  const id = 'login-test';
  const label = `Test the login at ${plan.answers.relayhost}`;
  onEvent({ id, label, status: 'running' });
  const login = await testSmartHostLogin({
    relayhost: plan.answers.relayhost,
    username: sasl.username,
    password: sasl.password,
    ehloName: plan.answers.myhostname,
  });
  if (login.ok) {
    onEvent({ id, label, status: 'ok', detail: login.message });
    return null;
  }
  const overridden = (plan.answers.overrides ?? []).includes(LOGIN_OVERRIDE);
  onEvent({
    id,
    label,
    status: overridden ? 'skipped' : 'failed',
    detail: `${login.stage}: ${login.message}${overridden ? ` (overridden: ${LOGIN_OVERRIDE})` : ''}`,
  });
  if (overridden) return null;
  return {
    message: `the smart host refused the login at the ${login.stage} step: ${login.message} (override knowingly with "overrides: [${LOGIN_OVERRIDE}]")`,
    login,
  };
}

/**
 * A relay host on port 25 from a host whose provider blocks outgoing port 25 never gets the
 * mail: probe it (bounded, live system only) and advise a smart host on 587/465. Advice only.
 */
async function probeRelayPort(plan: Plan, fx: Effects, onEvent: (e: StepEvent) => void): Promise<void> {
  const relayhost = plan.answers.relayhost;
  if (!fx.live || !relayhost || /:(?!25$|smtp$)[^:\]]+$/.test(relayhost)) return;
  const id = 'probe-25';
  const label = `Check that ${relayhost} answers on port 25`;
  onEvent({ id, label, status: 'running' });
  try {
    const o = await outbound25(fx, relayhost, { timeoutMs: 5000 });
    onEvent({
      id,
      label,
      status: o && o.verdict === 'open' ? 'ok' : 'skipped',
      detail: o?.advice ?? (o ? `${o.host} port ${o.port}: open` : undefined),
    });
  } catch (e) {
    onEvent({ id, label, status: 'skipped', detail: (e as Error).message });
  }
}

/** After a successful live apply on Debian/Ubuntu: debconf "No configuration", so upgrades leave main.cf alone. */
export async function afterApply(fx: Effects, host: HostFacts, onEvent: (e: StepEvent) => void): Promise<void> {
  if (!fx.live || !host.distro.debianLike) return;
  const id = 'debconf-pin';
  const label = 'Tell debconf "No configuration" (dpkg-reconfigure and upgrades leave main.cf alone)';
  const o = await pinNoConfiguration(fx);
  onEvent({
    id,
    label,
    status: o.status === 'failed' ? 'failed' : o.status === 'skipped' ? 'skipped' : 'ok',
    detail: o.status === 'failed' ? `${o.error ?? ''} (a warning: the configuration stays applied)` : o.detail,
  });
}
