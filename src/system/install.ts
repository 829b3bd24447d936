/**
 * Installing Postfix (and helper packages such as libsasl2-modules) with apt, non-interactively.
 * Postfix is preseeded "No configuration" so debconf writes no main.cf of its own: mailsetup
 * writes the configuration afterwards.
 */
import type { Effects } from '../model/effects.js';
import type { StepEvent } from './apply.js';
import { SNAKEOIL_CERT, SNAKEOIL_KEY } from '../model/paths.js';
import { describeFailure } from './services.js';

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };
const APT_TIMEOUT_MS = 15 * 60_000;
const POSTFIX_PRESEED = 'postfix postfix/main_mailer_type select No configuration\n';

type OnEvent = ((e: StepEvent) => void) | undefined;

async function step(
  fx: Effects,
  onEvent: OnEvent,
  id: string,
  label: string,
  cmd: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<string | null> {
  onEvent?.({ id, label, status: 'running' });
  const r = await fx.run(cmd, args, opts);
  if (r.exitCode !== 0 || r.timedOut) {
    const msg = describeFailure(r, opts.timeoutMs);
    onEvent?.({ id, label, status: 'failed', detail: msg });
    return msg;
  }
  onEvent?.({ id, label, status: 'ok', detail: r.command });
  return null;
}

/** Whether apt knows a candidate version of `name` (apt-cache policy says "Candidate: <version>"). */
export async function hasCandidate(fx: Effects, name: string): Promise<boolean> {
  const r = await fx.run('apt-cache', ['policy', name], { timeoutMs: 60_000 });
  if (r.exitCode !== 0) return false;
  const m = /^\s*Candidate:\s*(\S+)/m.exec(r.stdout);
  return m !== null && m[1] !== '(none)';
}

/** Whether dpkg says `name` is installed. */
export async function isInstalled(fx: Effects, name: string): Promise<boolean> {
  const r = await fx.run('dpkg-query', ['-W', '-f=${Status}', name], { timeoutMs: 60_000 });
  return r.exitCode === 0 && /\binstall ok installed\b/.test(r.stdout);
}

async function aptInstall(fx: Effects, name: string, onEvent: OnEvent): Promise<boolean> {
  if (!(await hasCandidate(fx, name))) {
    const err = await step(
      fx,
      onEvent,
      'apt-update',
      'Update the package lists (apt-get update)',
      'apt-get',
      ['update'],
      {
        env: APT_ENV,
        timeoutMs: APT_TIMEOUT_MS,
      },
    );
    if (err) return false;
  }
  const err = await step(
    fx,
    onEvent,
    `apt-install:${name}`,
    `Install ${name} (apt-get install)`,
    'apt-get',
    ['install', '-y', name],
    {
      env: APT_ENV,
      timeoutMs: APT_TIMEOUT_MS,
    },
  );
  return err === null;
}

/** Under --root nothing is installed: a skipped event, and true. */
function skipSandbox(fx: Effects, name: string, onEvent: OnEvent): boolean {
  if (fx.live) return false;
  onEvent?.({
    id: `apt-install:${name}`,
    label: `Install ${name}`,
    status: 'skipped',
    detail: '--root: packages are not installed',
  });
  return true;
}

/**
 * Install Postfix: preseed "No configuration" (debconf-set-selections), `apt-get update` when
 * apt has no candidate for postfix, then `apt-get install -y postfix` (DEBIAN_FRONTEND=noninteractive).
 * True on success (and under --root, where nothing is installed). On failure the last event
 * (status 'failed') carries the command line, its exit and its output.
 */
export async function installPostfix(fx: Effects, onEvent?: (e: StepEvent) => void): Promise<boolean> {
  if (skipSandbox(fx, 'postfix', onEvent)) return true;
  const err = await step(
    fx,
    onEvent,
    'debconf',
    'Preseed "No configuration" for Postfix (debconf-set-selections)',
    'debconf-set-selections',
    [],
    { input: POSTFIX_PRESEED, timeoutMs: 60_000 },
  );
  if (err) return false;
  return aptInstall(fx, 'postfix', onEvent);
}

/**
 * Install package `name` unless dpkg says it is installed (e.g. libsasl2-modules for SASL).
 * True when it is installed afterwards (or under --root); failures as for installPostfix.
 */
export async function ensurePackage(fx: Effects, name: string, onEvent?: (e: StepEvent) => void): Promise<boolean> {
  if (skipSandbox(fx, name, onEvent)) return true;
  if (await isInstalled(fx, name)) {
    onEvent?.({
      id: `apt-install:${name}`,
      label: `Install ${name}`,
      status: 'skipped',
      detail: `${name} is already installed`,
    });
    return true;
  }
  return aptInstall(fx, name, onEvent);
}

/**
 * Debian's snakeoil certificate, as the postfix package relies on it: install ssl-cert where it
 * is missing (its postinst makes the certificate), else make it with `make-ssl-cert
 * generate-default-snakeoil`. True when both files exist afterwards (under --root: nothing is
 * done, a skipped event, true).
 */
export async function ensureSnakeoil(fx: Effects, onEvent?: (e: StepEvent) => void): Promise<boolean> {
  const id = 'snakeoil';
  const label = "Make Debian's snakeoil certificate for STARTTLS (make-ssl-cert generate-default-snakeoil)";
  if (!fx.live) {
    onEvent?.({ id, label, status: 'skipped', detail: '--root: the certificate is made only on the live system' });
    return true;
  }
  const present = async () => (await fx.stat(SNAKEOIL_CERT)) !== null && (await fx.stat(SNAKEOIL_KEY)) !== null;
  if (!(await ensurePackage(fx, 'ssl-cert', onEvent))) return false;
  if (await present()) {
    onEvent?.({ id, label, status: 'skipped', detail: `${SNAKEOIL_CERT} exists` });
    return true;
  }
  const err = await step(fx, onEvent, id, label, 'make-ssl-cert', ['generate-default-snakeoil'], {
    timeoutMs: 120_000,
  });
  if (err) return false;
  if (await present()) return true;
  onEvent?.({
    id,
    label,
    status: 'failed',
    detail: `make-ssl-cert ran, but ${SNAKEOIL_CERT} or ${SNAKEOIL_KEY} is missing`,
  });
  return false;
}
