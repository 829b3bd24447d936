/**
 * Postfix's queue, read with `postqueue -j` (one JSON object per message; with Postfix stopped it
 * reads the queue directory itself). The live system's queue, or under --root the queue of the
 * sandbox's own Postfix: only when the sandbox's main.cf names a queue_directory (else it would be
 * the live system's queue, which a sandbox never looks at).
 */
import type { Effects } from '../model/effects.js';
import { MAIN_CF, POSTFIX_DIR } from '../model/paths.js';
import type { QueuedMessage } from '../model/queue.js';
import { MainCf } from '../postfix/mainCf.js';

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

/** The messages in the queue, or null when there is no queue to read (a sandbox without one, no Postfix). */
export async function readQueue(fx: Effects): Promise<QueuedMessage[] | null> {
  const args = ['-j'];
  if (!fx.live) {
    const text = await fx.readFile(MAIN_CF).catch(() => null);
    let own = false;
    try {
      own = text !== null && MainCf.parse(text).get('queue_directory') !== undefined;
    } catch {
      own = false;
    }
    if (!own) return null;
    args.unshift('-c', fx.resolve(POSTFIX_DIR));
  }
  const r = await fx.run('postqueue', args, { timeoutMs: 30_000 });
  if (r.exitCode !== 0 || r.timedOut) return null;
  return parseQueueJson(r.stdout);
}
