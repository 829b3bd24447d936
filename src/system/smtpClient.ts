/**
 * A minimal plain SMTP client over an Effects connection (no TLS, no AUTH — the smart-host
 * login test, src/system/smtpLogin.ts, does those on top of this file's reply reader): connect
 * (optionally from a chosen local address), read multi-line replies, EHLO/HELO, MAIL, RCPT,
 * DATA, RSET, QUIT. Every wait is bounded; a reply is returned with its code and text, never
 * judged: the caller decides what a 250 or a 554 means. Used by `mailsetup --verify` and the
 * real-SMTP tests.
 */
import type { Connection, Effects } from '../model/effects.js';
import { showEndpoint } from '../postfix/network.js';
import { seconds } from './net.js';

/** One SMTP reply: its code and every line as received (without CRLF). */
export interface SmtpReply {
  code: number;
  lines: string[];
  /** The lines joined with "\n". */
  text: string;
}

export interface SmtpConnectOptions {
  host: string;
  port: number;
  /** Local address to connect from (e.g. a loopback alias such as 127.0.0.9). */
  localAddress?: string;
  /** Bound on the connect and on every wait for a reply (default 15 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** The queue id of a reply to the end of DATA ("250 2.0.0 Ok: queued as 4F2kQ81rXz"), if any. */
export function queueIdOf(reply: SmtpReply): string | undefined {
  return /queued as ([0-9A-Za-z]+)/.exec(reply.text)?.[1];
}

/**
 * The message text as sent after DATA: line ends made CRLF, lines starting with "." doubled
 * (RFC 5321 4.5.2), a final CRLF added when missing. The terminating "." is not included.
 */
export function dotStuff(message: string): string {
  const lines = message.replace(/\r\n/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n') + '\r\n';
}

/**
 * Reads SMTP replies (multi-line: "250-…" lines up to the "250 …" one) from a connection. It
 * can let go of one connection and read from the next (STARTTLS hands the socket to TLS).
 * Errors name the peer when one is given ("127.0.0.1:25 closed the connection …"), else say
 * "the server".
 */
export class SmtpReplyReader {
  private buffer = '';
  private lines: string[] = [];
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private unlisten: (() => void) | null = null;

  constructor(private readonly peer?: string) {}

  /** Whether the connection has ended (closed by the peer, or an error). */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** Whether a connection is attached (replies can still arrive). */
  get attached(): boolean {
    return this.unlisten !== null;
  }

  attach(conn: Connection): void {
    this.unlisten = conn.listen(
      (chunk) => {
        this.buffer += chunk;
        let nl: number;
        while ((nl = this.buffer.indexOf('\n')) >= 0) {
          this.lines.push(this.buffer.slice(0, nl).replace(/\r$/, ''));
          this.buffer = this.buffer.slice(nl + 1);
        }
        this.notify();
      },
      (error) => {
        this.failure ??= error
          ? this.peer
            ? new Error(`${this.peer}: ${error.message}`)
            : error
          : new Error(`${this.peer ?? 'the server'} closed the connection`);
        this.notify();
      },
    );
  }

  /** Stop reading (before STARTTLS hands the socket to TLS); true when unread data was pending. */
  detach(): boolean {
    this.unlisten?.();
    this.unlisten = null;
    const pending = this.buffer !== '' || this.lines.length > 0;
    this.buffer = '';
    this.lines = [];
    return pending;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** The next complete reply, within `timeoutMs`; throws saying what it waited for. */
  async next(timeoutMs: number, what: string): Promise<SmtpReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.lines.findIndex((l) => !/^\d{3}-/.test(l));
      if (end >= 0) {
        const lines = this.lines.splice(0, end + 1);
        const code = /^\d{3}/.test(lines[end]) ? Number.parseInt(lines[end].slice(0, 3), 10) : 0;
        return { code, lines, text: lines.join('\n') };
      }
      if (this.failure) {
        const partial = this.lines.length ? ` (partial reply: ${this.lines.join(' / ')})` : '';
        throw new Error(`${this.failure.message} while waiting for the ${what}${partial}`);
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out after ${seconds(timeoutMs)} waiting for the ${what}${this.peer ? ` from ${this.peer}` : ''}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
}

/** An open SMTP connection. Create with `SmtpSession.connect`; always `close()` (or `quit()`). */
export class SmtpSession {
  private readonly reader: SmtpReplyReader;
  private closed = false;
  /** Every line sent ("C: ") and received ("S: "), for messages. */
  readonly transcript: string[] = [];

  private constructor(
    private readonly conn: Connection,
    readonly where: string,
    readonly timeoutMs: number,
    /** The server's greeting (220 normally; 554 when it refuses the client). */
    public greeting: SmtpReply = { code: 0, lines: [], text: '' },
  ) {
    this.reader = new SmtpReplyReader(where);
    this.reader.attach(conn);
  }

  /**
   * Connect through `net` (an Effects) and read the greeting. Throws an Error naming the
   * endpoint when the connection fails.
   */
  static async connect(net: Pick<Effects, 'connect'>, opts: SmtpConnectOptions): Promise<SmtpSession> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const conn = await net.connect({
      host: opts.host,
      port: opts.port,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      timeoutMs,
    });
    const session = new SmtpSession(conn, showEndpoint(opts.host, opts.port), timeoutMs);
    try {
      session.greeting = await session.read('greeting');
    } catch (e) {
      session.close();
      throw e;
    }
    return session;
  }

  /** The next complete reply, within the session's timeout. */
  private async read(what: string): Promise<SmtpReply> {
    const r = await this.reader.next(this.timeoutMs, what);
    for (const l of r.lines) this.transcript.push(`S: ${l}`);
    return r;
  }

  /** Send one command line and return the reply to it. */
  async command(line: string): Promise<SmtpReply> {
    if (/[\r\n]/.test(line)) throw new Error(`an SMTP command must be one line: ${JSON.stringify(line)}`);
    this.transcript.push(`C: ${line}`);
    this.conn.write(`${line}\r\n`);
    return this.read(`reply to ${line}`);
  }

  /** EHLO name. */
  ehlo(name: string): Promise<SmtpReply> {
    return this.command(`EHLO ${name}`);
  }

  /** HELO name. */
  helo(name: string): Promise<SmtpReply> {
    return this.command(`HELO ${name}`);
  }

  /** MAIL FROM:<path> — `path` is sent as given between the angle brackets ("" = null sender). */
  mail(path: string): Promise<SmtpReply> {
    return this.command(`MAIL FROM:<${path}>`);
  }

  /** RCPT TO:<path> — `path` is sent as given (quoted local parts, source routes and literals too). */
  rcpt(path: string): Promise<SmtpReply> {
    return this.command(`RCPT TO:<${path}>`);
  }

  /**
   * DATA, then the message (dot-stuffed, CRLF) and the final ".". Returns the reply to DATA when
   * it is not 354, else the reply to the end of the message.
   */
  async data(message: string): Promise<SmtpReply> {
    const go = await this.command('DATA');
    if (go.code !== 354) return go;
    this.transcript.push(`C: (message, ${message.length} characters)`, 'C: .');
    this.conn.write(`${dotStuff(message)}.\r\n`);
    return this.read('reply to the end of the message');
  }

  /** RSET. */
  rset(): Promise<SmtpReply> {
    return this.command('RSET');
  }

  /** QUIT and close; a missing or late 221 does not matter. */
  async quit(): Promise<void> {
    try {
      if (!this.closed && !this.reader.failed) await this.command('QUIT');
    } catch {
      // The session is over either way.
    } finally {
      this.close();
    }
  }

  /** Close the connection at once. */
  close(): void {
    this.closed = true;
    this.conn.close();
  }
}

/** The outcome of `sendMessage`: the reply of each step, up to the first refusal. */
export interface SendResult {
  greeting: SmtpReply;
  ehlo?: SmtpReply;
  mail?: SmtpReply;
  rcpt: SmtpReply[];
  data?: SmtpReply;
  /** Queue id from the final reply, when the message was accepted. */
  queueId?: string;
  transcript: string[];
}

/**
 * One whole transaction: connect, EHLO, MAIL, RCPT for each recipient, DATA (only when every
 * recipient was accepted), QUIT. Connection errors throw; SMTP refusals are returned.
 */
export async function sendMessage(
  net: Pick<Effects, 'connect'>,
  opts: SmtpConnectOptions & { ehlo?: string; from: string; to: string[]; message: string },
): Promise<SendResult> {
  const s = await SmtpSession.connect(net, opts);
  const out: SendResult = { greeting: s.greeting, rcpt: [], transcript: s.transcript };
  try {
    if (s.greeting.code !== 220) return out;
    out.ehlo = await s.ehlo(opts.ehlo ?? 'client.mailsetup.invalid');
    if (out.ehlo.code !== 250) return out;
    out.mail = await s.mail(opts.from);
    if (out.mail.code !== 250) return out;
    for (const to of opts.to) out.rcpt.push(await s.rcpt(to));
    if (out.rcpt.some((r) => r.code !== 250 && r.code !== 251)) return out;
    out.data = await s.data(opts.message);
    const id = queueIdOf(out.data);
    if (out.data.code === 250 && id) out.queueId = id;
    return out;
  } finally {
    await s.quit();
  }
}
