/**
 * The mail log as --verify reads it: what Postfix writes after verify started (LogTail, through
 * Effects, polled with a bound), the end of the log for failures that happened before, and the
 * delivery lines ("QID: to=<a>, relay=r, …, status=s (text)") with their forwarding chains.
 */
import type { Effects } from '../../model/effects.js';

const POLL_MS = 150;

/** Reads what a log file gains after the reader was opened. */
export class LogTail {
  private text = '';

  private constructor(
    private readonly fx: Pick<Effects, 'fileSize' | 'readFileRange' | 'resolve'>,
    /** The system path (under --root, mapped into the sandbox). */
    readonly file: string,
    private offset: number,
  ) {}

  /** Start reading `file` (a system path) from its current end. */
  static async open(fx: Pick<Effects, 'fileSize' | 'readFileRange' | 'resolve'>, file: string): Promise<LogTail> {
    return new LogTail(fx, file, await LogTail.size(fx, file));
  }

  private static async size(fx: Pick<Effects, 'fileSize'>, file: string): Promise<number> {
    try {
      return (await fx.fileSize(file)) ?? 0;
    } catch {
      return 0;
    }
  }

  /** The real path, for messages. */
  get path(): string {
    return this.fx.resolve(this.file);
  }

  async readable(): Promise<boolean> {
    try {
      return (await this.fx.readFileRange(this.file, 0, 0)) !== null;
    } catch {
      return false;
    }
  }

  /** Every line written since the reader was opened. */
  async lines(): Promise<string[]> {
    try {
      const size = await LogTail.size(this.fx, this.file);
      if (size < this.offset) this.offset = 0; // rotated
      if (size > this.offset) {
        const got = await this.fx.readFileRange(this.file, this.offset, size);
        if (got !== null) {
          this.text += got;
          this.offset = size;
        }
      }
    } catch {
      // An unreadable log reads as empty; the callers say so.
    }
    return this.text.split('\n').filter((l) => l !== '');
  }

  /** Poll until `pick` returns a value (or `ms` pass: undefined). */
  async wait<T>(ms: number, pick: (lines: string[]) => T | undefined): Promise<T | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = pick(await this.lines());
      if (v !== undefined) return v;
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}

/** The last `max` lines of a log (at most its last 256 KiB): why something failed before verify started. */
export async function tailOf(
  fx: Pick<Effects, 'fileSize' | 'readFileRange'>,
  file: string,
  max: number,
): Promise<string[]> {
  try {
    const size = await fx.fileSize(file);
    if (size === null) return [];
    const text = await fx.readFileRange(file, Math.max(0, size - 256 * 1024), size);
    return (text ?? '')
      .split('\n')
      .filter((l) => l !== '')
      .slice(-max);
  } catch {
    return [];
  }
}

/** fatal/panic/error/warning lines of `lines`, the last ten. */
export function problemsIn(lines: string[]): string[] {
  return lines.filter((l) => /\b(fatal|panic|error|warning):/.test(l)).slice(-10);
}

/** One delivery line of the log: "QID: to=<a>, orig_to=<b>, relay=r, …, status=s (text)". */
export interface DeliveryLine {
  queueId: string;
  to: string;
  origTo?: string;
  relay: string;
  status: string;
  text: string;
  line: string;
}

/** Parse a delivery line of a Postfix log, or null. */
export function parseDeliveryLine(line: string): DeliveryLine | null {
  const m =
    /: ([0-9A-Za-z]+): to=<([^>]*)>, (?:orig_to=<([^>]*)>, )?relay=([^,]+), .*?status=(\w+)(?: \((.*)\))?$/.exec(line);
  if (!m) return null;
  const d: DeliveryLine = { queueId: m[1], to: m[2], relay: m[4], status: m[5], text: m[6] ?? '', line };
  if (m[3] !== undefined) d.origTo = m[3];
  return d;
}

/**
 * The final deliveries of queue id `qid` in `lines`, following "forwarded as NEWID" chains;
 * null while one of them has no final status yet.
 */
export function deliveryChain(lines: string[], qid: string): DeliveryLine[] | null {
  const out: DeliveryLine[] = [];
  const todo = [qid];
  const seen = new Set<string>();
  while (todo.length) {
    const id = todo.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const ds = lines.map(parseDeliveryLine).filter((d): d is DeliveryLine => d !== null && d.queueId === id);
    if (ds.length === 0) return null;
    for (const d of ds) {
      const fwd = /forwarded as ([0-9A-Za-z]+)/.exec(d.text);
      if (d.status === 'sent' && fwd) todo.push(fwd[1]);
      else out.push(d);
    }
  }
  return out;
}

/** Lines of `lines` that mention one of the queue ids. */
export function linesOf(lines: string[], ids: string[]): string[] {
  return lines.filter((l) => ids.some((id) => l.includes(` ${id}: `)));
}
