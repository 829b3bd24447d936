/**
 * The steps around an apply that need the machine but are not file edits: what the host probes
 * say (for the first screen), installing Postfix on a fresh box (and planning again against the
 * package's files), the smart-host login test and libsasl2-modules before the apply, and pinning
 * debconf afterwards so `dpkg-reconfigure postfix` or an upgrade does not undo the work.
 */
import type { Answers, RoleId } from '../model/answers.js';
import { NO_PROBES, type Effects } from '../model/effects.js';
import { MailsetupError } from '../model/errors.js';
import type { StepEvent } from '../model/events.js';
import type { HostFacts } from '../model/host.js';
import { CA_BUNDLE, LOGROTATE_DROPIN, MAIN_CF, SASL_PASSWD_MAP, SNAKEOIL_CERT, SNAKEOIL_KEY } from '../model/paths.js';
import { samePlan, type Detection, type Plan } from '../model/plan.js';
import { SECRET_PLACEHOLDER } from '../plan/plan.js';
import { roleModule } from '../roles/index.js';
import { debconfDisagreement, pinNoConfiguration } from '../system/debconf.js';
import { readHostFacts } from '../system/hostFacts.js';
import { ensurePackage, ensureSnakeoil, installPostfix } from '../system/install.js';
import { outbound25, probeSummary, runProbes } from '../system/probes.js';
import { testSmartHostLogin, type LoginResult } from '../system/smtpLogin.js';
import { loadTemplates } from '../system/templates.js';
import { groupId } from '../system/accounts.js';
import { inspectCertificate } from '../system/tls.js';
import { Session, type Files, type SessionOptions } from './session.js';

/** The override id that applies despite a failed smart-host login test. */
export const LOGIN_OVERRIDE = 'smarthost-login';

/** Plan the same answers again against the files as they are now (after an install, or a change on disk). */
export type Replan = (session: Session) => Promise<Plan>;

/** The default Replan: the resolved answers of the plan, planned again. */
function sameAnswers(given: Plan): Replan {
  return (session) => session.planOrExit(given.answers as Partial<Answers> & { role: RoleId });
}

/**
 * Before the first apply on a box without Postfix: install it (live system only), then plan the
 * same answers again against the files the package wrote. Returns the plan and host to apply, and
 * whether that plan differs from the one shown (then the wizard shows it again before applying).
 * `sessionOpts`: the run's session options (--fresh-start), for the session planned again.
 */
export async function installIfMissing(
  fx: Effects,
  host: HostFacts,
  given: Plan,
  onEvent: (e: StepEvent) => void,
  replan: Replan = sameAnswers(given),
  sessionOpts: SessionOptions = {},
): Promise<{ plan: Plan; host: HostFacts; changed: boolean }> {
  if (host.postfix.installed || !fx.live) return { plan: given, host, changed: false };
  if (!(await installPostfix(fx, onEvent))) {
    throw new MailsetupError('installing Postfix failed; nothing was configured', 1);
  }
  const after = await readHostFacts(fx);
  const again = await replan(await Session.open(fx, after, await loadTemplates(fx), sessionOpts));
  const changed = !samePlan(given, again);
  if (changed) {
    again.notes = [
      "Postfix was installed: the plan was made again against the package's files, and it changed. " +
        'This is the plan that will be applied.',
      ...(again.notes ?? []),
    ];
  }
  return { plan: again, host: after, changed };
}

/**
 * The plan made again after apply() found files changed on disk since the plan was made: nothing
 * was written, and this plan (built on the files as they are now) says why it is shown again.
 */
export async function replanAfterStale(
  fx: Effects,
  stale: string[],
  replan: Replan,
  sessionOpts: SessionOptions = {},
): Promise<{ plan: Plan; host: HostFacts }> {
  // The host is read again too: what changed may be a certificate, a package, Postfix itself.
  const host = await readHostFacts(fx);
  const again = await replan(await Session.open(fx, host, await loadTemplates(fx), sessionOpts));
  again.notes = [
    `${stale.join(', ')} changed on disk since the plan was made (another admin, a package upgrade?): ` +
      'nothing was written. This is the plan made again against the files as they are now.',
    ...(again.notes ?? []),
  ];
  return { plan: again, host };
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
  host?: HostFacts,
): Promise<PreflightFailure | null> {
  const tls = await prepareTls(plan, fx, onEvent, host);
  if (tls) return tls;
  await probeRelayPort(plan, fx, onEvent);
  // Postfix's own log file is rotated by logrotate: install it with the drop-in (advice only when it fails).
  if (fx.live && plan.files.some((f) => f.path === LOGROTATE_DROPIN && f.after !== null)) {
    await ensurePackage(fx, 'logrotate', onEvent);
  }
  const sasl = plan.answers.smtp_sasl;
  if (!sasl || !plan.answers.relayhost) return null;
  if (fx.live && !(await ensurePackage(fx, 'libsasl2-modules', onEvent))) {
    return { message: 'libsasl2-modules could not be installed: Postfix would fail with "no mechanism available"' };
  }
  const id = 'login-test';
  const label = `Test the login at ${plan.answers.relayhost}`;
  if (sasl.password === undefined || sasl.password === SECRET_PLACEHOLDER) {
    onEvent({ id, label, status: 'skipped', detail: 'the stored password is kept and not tested' });
    return null;
  }
  if (!plan.files.some((f) => f.path === SASL_PASSWD_MAP)) {
    // The login written is the one there already (the stored password, kept byte for byte).
    onEvent({ id, label, status: 'skipped', detail: 'the stored login is kept unchanged and not tested again' });
    return null;
  }
  if (fx.noProbes) {
    onEvent({ id, label, status: 'skipped', detail: `${NO_PROBES}: the login is written untested` });
    return null;
  }
  // Under --root too: the test is of the credentials, not of the box (README, "A smart host").
  const where = fx.live ? '' : ' (run under --root too: it tests the credentials, not this box)';
  onEvent({ id, label, status: 'running' });
  const login = await testSmartHostLogin({
    relayhost: plan.answers.relayhost,
    username: sasl.username,
    password: sasl.password,
    ehloName: plan.answers.myhostname,
  });
  if (login.ok) {
    onEvent({ id, label, status: 'ok', detail: `${login.message}${where}` });
    return null;
  }
  const overridden = (plan.answers.overrides ?? []).includes(LOGIN_OVERRIDE);
  onEvent({
    id,
    label,
    status: overridden ? 'skipped' : 'failed',
    detail: `${login.stage}: ${login.message}${overridden ? ` (overridden: ${LOGIN_OVERRIDE})` : ''}${where}`,
  });
  if (overridden) return null;
  return {
    message: `the smart host refused the login at the ${login.stage} step: ${login.message} (override knowingly with "overrides: [${LOGIN_OVERRIDE}]")`,
    login,
  };
}

/**
 * What TLS needs before anything is written: Debian's snakeoil certificate where the plan names
 * it and it is missing (ssl-cert installed, or make-ssl-cert run; then checked like any other
 * certificate), and the CA store where main.cf will name it (ca-certificates). Live system only.
 */
export async function prepareTls(
  plan: Plan,
  fx: Effects,
  onEvent: (e: StepEvent) => void,
  host?: HostFacts,
): Promise<PreflightFailure | null> {
  if (plan.makeSnakeoil) {
    if (!(await ensureSnakeoil(fx, onEvent))) {
      return {
        message:
          "Debian's snakeoil certificate could not be made (ssl-cert): name a certificate with smtpd_tls_chain_files, " +
          'or answer smtpd_tls_security_level: none',
      };
    }
    if (fx.live) {
      const sslCertGid = groupId(await fx.readFile('/etc/group').catch(() => null), 'ssl-cert');
      const check = await inspectCertificate(
        fx,
        { cert: SNAKEOIL_CERT, key: SNAKEOIL_KEY },
        { myhostname: plan.answers.myhostname ?? host?.fqdn ?? '', now: new Date(), sslCertGid },
      );
      if (check.errors.length) return { message: `Debian's snakeoil certificate: ${check.errors.join('; ')}` };
    }
  }
  const namesCaStore = plan.params.some((p) => p.name === 'smtp_tls_CAfile' && p.after === CA_BUNDLE);
  if (namesCaStore && fx.live && host?.distro.debianLike && (await fx.stat(CA_BUNDLE)) === null) {
    if (!(await ensurePackage(fx, 'ca-certificates', onEvent)))
      return { message: `ca-certificates could not be installed: Postfix would find no CA store at ${CA_BUNDLE}` };
  }
  return null;
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
  if (fx.noProbes) {
    onEvent({ id, label, status: 'skipped', detail: NO_PROBES });
    return;
  }
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
