/**
 * Postfix's master(8) daemon, asked directly: whether it runs (`master -t`, what postfix-script's
 * `status` and `reload` ask) and its pid (queue_directory/pid/master.pid, checked against /proc).
 * postfix-script itself first runs postconf on the default main.cf (multi_instance_directories),
 * and every Postfix program re-reads a main.cf modified in the current or previous second until
 * it is older: right after an apply has written main.cf that is 1–2 s of waiting for nothing.
 */
import type { CommandResult, Effects } from '../model/effects.js';
import type { PostfixFacts } from '../model/host.js';

const TIMEOUT_MS = 30_000;

/**
 * The pid of the master that runs for `queueDirectory`: the number in its pid/master.pid, when
 * that names a live process called "master" whose real uid is 0 (a stale pid file, or one naming
 * another program, gives undefined: nothing is ever signalled on its word alone).
 */
export async function masterPid(fx: Effects, queueDirectory: string): Promise<number | undefined> {
  const text = await fx.readFile(`${queueDirectory}/pid/master.pid`).catch(() => null);
  const m = /^\s*(\d{1,10})\s*$/.exec(text ?? '');
  if (!m) return undefined;
  const pid = Number(m[1]);
  if (pid < 2) return undefined;
  const [comm, status] = await Promise.all([
    fx.readFile(`/proc/${pid}/comm`).catch(() => null),
    fx.readFile(`/proc/${pid}/status`).catch(() => null),
  ]);
  if (comm?.trim() !== 'master' || !/^Uid:\s+0\s/m.test(status ?? '')) return undefined;
  return pid;
}

/** `$daemon_directory/master -t` for `configDir` (MAIL_CONFIG), under way. */
export interface MasterTest {
  daemonDirectory: string;
  configDir: string | undefined;
  result: Promise<CommandResult>;
}

/**
 * Start `master -t` from `daemonDirectory` for `configDir`: readPostfixFacts starts it with the
 * package's directory beside the postconf call that names the configured one, and masterRuns
 * takes it when the two agree (else it asks again, from the configured directory).
 */
export function masterTest(fx: Effects, daemonDirectory: string, configDir?: string): MasterTest {
  const env = configDir === undefined ? {} : { env: { MAIL_CONFIG: configDir } };
  const result = fx.run(`${daemonDirectory}/master`, ['-t'], { ...env, timeoutMs: TIMEOUT_MS });
  result.catch(() => undefined); // awaited by masterRuns, or not needed
  return { daemonDirectory, configDir, result };
}

/**
 * Whether Postfix runs for configuration directory `configDir` (default /etc/postfix). With the directories known
 * (PostfixFacts, live): `$daemon_directory/master -t` holds the answer (exit 0: the pid file is
 * not locked, nothing runs), confirmed by the pid file naming a live master; when the two
 * disagree, or the directories are not known, `postfix [-c DIR] status` decides.
 */
export async function masterRuns(
  fx: Effects,
  postfix: PostfixFacts,
  configDir?: string,
  started?: MasterTest,
): Promise<boolean> {
  const { daemonDirectory: daemon, queueDirectory: queue } = postfix;
  if (daemon !== undefined && queue !== undefined) {
    const t =
      started !== undefined && started.daemonDirectory === daemon && started.configDir === configDir
        ? await started.result
        : await masterTest(fx, daemon, configDir).result;
    if (t.exitCode === 0 && !t.timedOut) return false;
    if (!t.timedOut && (await masterPid(fx, queue)) !== undefined) return true;
  }
  const args = configDir === undefined ? ['status'] : ['-c', configDir, 'status'];
  return (await fx.run('postfix', args, { timeoutMs: TIMEOUT_MS })).exitCode === 0;
}
