/**
 * The steps around an apply that need the machine but are not file edits: what the host probes
 * say (for the first screen), the smart-host login test and libsasl2-modules before the apply, and
 * pinning debconf afterwards so `dpkg-reconfigure postfix` or an upgrade does not undo the work.
 */
import type { Detected } from './plan/detect.js';
import { SECRET_PLACEHOLDER } from './plan/plan.js';
import type { Plan } from './model/plan.js';
import type { StepEvent } from './system/apply.js';
import { debconfDisagreement, pinNoConfiguration } from './system/debconf.js';
import { ensurePackage } from './system/install.js';
import { outbound25, probeSummary, runProbes } from './system/probes.js';
import { testSmartHostLogin, type LoginResult } from './system/smtpLogin.js';
import type { Effects } from './model/effects.js';
import type { HostFacts } from './model/host.js';
import { describeHost, type Files } from './session.js';
import { MAIN_CF } from './model/paths.js';

/** The override id that applies despite a failed smart-host login test. */
export const LOGIN_OVERRIDE = 'smarthost-login';

/** The first screen's lines: what is configured now, what the probes found, and debconf's view. */
export async function hostSummary(fx: Effects, host: HostFacts, detected: Detected, files: Files): Promise<string[]> {
  const role = detected.role && detected.role !== 'custom' ? detected.role : undefined;
  // Network probes only on the live system: a --root sandbox never reaches out.
  const relayhost = fx.live ? detected.answers.relayhost || undefined : undefined;
  const [probes, debconf] = await Promise.all([
    runProbes(fx, host, { role, target: relayhost, sasl: detected.answers.smtp_sasl !== undefined, timeoutMs: 3000 }),
    fx.live && host.distro.debianLike && files[MAIN_CF]
      ? debconfDisagreement(fx, files[MAIN_CF] as string, host.fqdn)
      : Promise.resolve([]),
  ]);
  const lines = [...describeHost(host, detected), ...probeSummary(probes)];
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
    const o = await outbound25(relayhost, { timeoutMs: 5000 });
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
