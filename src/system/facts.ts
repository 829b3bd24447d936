/**
 * Asks the machine what src/plan/facts.ts says the answers refer to (FactsNeeded → PlanFacts):
 * table and pattern files (regular files only, at most MAX_TABLE_BYTES), whether postmap built
 * their databases, the table types Postfix supports (`postconf -m`), local users (`getent
 * passwd`), host names (`getent ahosts`) and the MX hosts of the relay host. The name service and
 * DNS only on the live system: a --root sandbox reaches nothing. Every lookup is bounded.
 */
import type { Effects } from '../model/effects.js';
import type { FactsNeeded, PlanFacts } from '../model/plan.js';
import { mxHosts } from './dns.js';

/** The largest table file mailsetup reads to check it. */
export const MAX_TABLE_BYTES = 4 * 1024 * 1024;
const LOOKUP_TIMEOUT_MS = 3000;

/** Read one table file: its text, null when absent, or "!" and why it was not read. */
async function readTableFile(fx: Effects, path: string): Promise<string | null> {
  try {
    const kind = await fx.fileKind(path);
    if (kind === null) return null;
    if (kind !== 'file') return `!it is ${kind === 'directory' ? 'a directory' : 'not a regular file'}`;
    const size = await fx.fileSize(path);
    if (size !== null && size > MAX_TABLE_BYTES) return `!it is larger than ${MAX_TABLE_BYTES / 1024 / 1024} MB`;
    return await fx.readFile(path);
  } catch (e) {
    return `!${(e as Error).message}`;
  }
}

/** Whether a local user exists (getent passwd); undefined when that cannot be asked. */
async function userExists(fx: Effects, name: string): Promise<boolean | undefined> {
  const r = await fx.run('getent', ['passwd', name], { timeoutMs: LOOKUP_TIMEOUT_MS });
  if (r.exitCode === 0) return r.stdout.trim() !== '';
  if (r.exitCode === 2) return false; // getent: key not found
  return undefined;
}

/** The addresses a host name resolves to (getent ahosts), [] when it does not, or why it was not asked. */
async function resolveName(fx: Effects, name: string): Promise<string[] | string> {
  const r = await fx.run('getent', ['ahosts', name], { timeoutMs: LOOKUP_TIMEOUT_MS });
  if (r.exitCode === 0) {
    return [
      ...new Set(
        r.stdout
          .split('\n')
          .map((l) => l.trim().split(/\s+/)[0])
          .filter(Boolean),
      ),
    ];
  }
  if (r.exitCode === 2) return [];
  return r.timedOut ? `no answer within ${LOOKUP_TIMEOUT_MS / 1000} s` : `getent failed (exit ${r.exitCode})`;
}

/** Ask for every fact in `need`, in parallel. */
export async function gatherFacts(fx: Effects, need: FactsNeeded): Promise<PlanFacts> {
  const files: Record<string, string | null> = {};
  const databases: Record<string, boolean> = {};
  const users: Record<string, boolean> = {};
  const names: Record<string, string[] | string> = {};
  const more: { mapTypes?: string[]; relayhostMx?: string[] } = {};
  const jobs: Array<Promise<void>> = [];
  for (const path of need.files) jobs.push(readTableFile(fx, path).then((t) => void (files[path] = t)));
  for (const db of need.databases) {
    jobs.push(
      fx
        .fileSize(db)
        .catch(() => null)
        .then((s) => void (databases[db] = s !== null)),
    );
  }
  if (need.mapTypes) {
    // postconf -m needs a main.cf; on a box without one (a first configuration) the types are not checked.
    jobs.push(
      (async () => {
        if ((await fx.fileKind('/etc/postfix/main.cf').catch(() => null)) !== 'file') return;
        const r = await fx.run('postconf', ['-c', fx.resolve('/etc/postfix'), '-m'], { timeoutMs: LOOKUP_TIMEOUT_MS });
        if (r.exitCode === 0)
          more.mapTypes = r.stdout
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean);
      })(),
    );
  }
  for (const name of need.users) {
    jobs.push(
      userExists(fx, name).then((exists) => {
        if (exists !== undefined) users[name] = exists;
      }),
    );
  }
  for (const name of need.names) {
    if (!fx.live) names[name] = 'not looked up: a --root sandbox asks no name service';
    else jobs.push(resolveName(fx, name).then((r) => void (names[name] = r)));
  }
  const mx = need.relayhostMx;
  if (mx !== undefined && fx.live) {
    jobs.push(
      mxHosts(fx, mx, LOOKUP_TIMEOUT_MS).then((hosts) => {
        if (typeof hosts !== 'string') more.relayhostMx = hosts;
      }),
    );
  }
  await Promise.all(jobs);
  return { files, databases, users, names, ...more };
}
