/**
 * Postfix's queue, read with `postqueue -j` (one JSON object per message; with Postfix stopped it
 * reads the queue directory itself, and as root runs `$daemon_directory/showq`). The live
 * system's queue, or under --root the queue of the sandbox's own Postfix: only when the sandbox's
 * main.cf names a queue_directory inside the sandbox (else it would be the live system's queue,
 * which a sandbox never looks at), and only when its other directories are the installed
 * package's (postqueue run as root would run the sandbox's programs: src/system/sandbox.ts).
 */
import type { Effects } from '../model/effects.js';
import { MAIN_CF, POSTFIX_DIR } from '../model/paths.js';
import type { QueuedMessage } from '../model/queue.js';
import { expandParam } from '../postfix/expand.js';
import { MainCf } from '../postfix/mainCf.js';
import { DEBIAN_DIRECTORIES, sandboxDirectoryProblems, type PackageDirectories } from './sandbox.js';

/** Parse `postqueue -j` output; lines that are not a message object are skipped (the input is not trusted). */
export function parseQueueJson(text: string): QueuedMessage[] {
  const out: QueuedMessage[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof o !== 'object' || o === null) continue;
    const r = o as Record<string, unknown>;
    if (typeof r.queue_name !== 'string' || typeof r.queue_id !== 'string' || !Array.isArray(r.recipients)) continue;
    const recipients = r.recipients
      .map((x: unknown) => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>).address : undefined))
      .filter((a): a is string => typeof a === 'string');
    out.push({ queue: r.queue_name, id: r.queue_id, recipients });
  }
  return out;
}

/**
 * The messages in the queue, or null when there is no queue to read (a sandbox without one of its
 * own, or one that is not safe to hand postqueue; no Postfix). `pkg`: the installed package's
 * directories, which a sandbox's must be.
 */
export async function readQueue(
  fx: Effects,
  pkg: PackageDirectories = DEBIAN_DIRECTORIES,
): Promise<QueuedMessage[] | null> {
  const args = ['-j'];
  if (!fx.live) {
    const text = await fx.readFile(MAIN_CF).catch(() => null);
    if (text === null) return null;
    let queueDir: string | undefined;
    try {
      const cf = MainCf.parse(text);
      queueDir = cf.get('queue_directory') === undefined ? undefined : expandParam(cf, 'queue_directory', pkg);
    } catch {
      return null;
    }
    if (queueDir === undefined) return null;
    const normal = queueDir.trim().replace(/(.)\/+$/, '$1');
    if (!normal.startsWith(`${fx.root}/`) || normal.split('/').includes('..')) return null;
    if (sandboxDirectoryProblems(text, pkg, fx.root).length > 0) return null;
    try {
      // No link on the way leads postqueue out of the sandbox.
      await fx.commandPath(normal.slice(fx.root.length));
      args.unshift('-c', await fx.commandPath(POSTFIX_DIR));
    } catch {
      return null;
    }
  }
  const r = await fx.run('postqueue', args, { timeoutMs: 30_000 });
  if (r.exitCode !== 0 || r.timedOut) return null;
  return parseQueueJson(r.stdout);
}
