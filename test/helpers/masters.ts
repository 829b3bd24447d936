/** Finding and stopping the live Postfix master processes, for tests that change the live system. */
import { spawnSync } from 'node:child_process';

/** Pids of running Postfix master processes (whatever their configuration). */
export function masterPids(): number[] {
  const r = spawnSync('pgrep', ['-f', '^/usr/lib/postfix/sbin/master'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** Stop every Postfix master, even one whose main.cf is gone (`postfix stop` needs it). */
export function stopAllMasters(): void {
  spawnSync('postfix', ['stop'], { timeout: 60_000 });
  for (const pid of masterPids()) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 20_000;
  while (masterPids().length && Date.now() < deadline) spawnSync('sleep', ['0.2']);
}
