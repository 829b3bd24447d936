/**
 * A live test of the smart host login before anything is written: connect to the relay host,
 * TLS (implicit on 465, else STARTTLS, which is required: credentials never go out in clear),
 * certificate checked against the host name, EHLO, AUTH with the given user name and password,
 * QUIT. Plain node:net / node:tls, no dependency; replies are read by the SMTP client's reader
 * (src/system/smtpClient.ts).
 *
 * The result says where it stopped and what the server (or TLS, or the network) said, word for
 * word. The password never appears in the transcript or the message: AUTH payloads are shown as
 * "<credentials hidden>", and every text is scrubbed of the password and its base64 forms.
 *
 * The check is stricter than Postfix's `smtp_tls_security_level = encrypt` (which encrypts but
 * does not verify the certificate): a provider whose certificate does not verify fails here with
 * stage 'tls' although Postfix would still deliver. The wizard shows that and lets the user go on.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { printable } from '../model/text.js';
import { parseRelayhost } from '../postfix/validate.js';
import { seconds, socketConnection, whenReady } from './net.js';
import { ehloOffers as offers } from './starttls.js';
import { SmtpReplyReader, type SmtpReply } from './smtpClient.js';
import { nodeCrypto, nodeDns, nodeTls } from './builtins.js';

export type LoginStage = 'connect' | 'greeting' | 'ehlo' | 'starttls' | 'tls' | 'auth' | 'done';

export interface LoginResult {
  ok: boolean;
  /** Where the test stopped ('done' when the login worked). */
  stage: LoginStage;
  /** Exactly what the server said (the whole reply), or the TLS/network error. */
  message: string;
  /** The AUTH mechanisms the server offered (after TLS), upper case. */
  mechanisms: string[];
  /** The conversation: "S: ..." server lines, "C: ..." client lines, "-- ..." notes. */
  transcript: string[];
}

export interface LoginOptions {
  /** Postfix relayhost form: [host]:port, host:port, [host], host (port 25 when absent). */
  relayhost: string;
  username: string;
  password: string;
  /** Bound on the connect and on every wait for a reply (default 15 s). */
  timeoutMs?: number;
  /** Extra CA certificate(s) to trust instead of the system's (tests). */
  ca?: string | Buffer;
  /** Connect to this address instead of the relay host (tests); the certificate is still checked against the host name. */
  connectHost?: string;
  /** Connect to this port instead (tests); the relayhost's port still decides implicit TLS (465) or STARTTLS. */
  connectPort?: number;
  /** The name sent with EHLO (default: this machine's host name; the CLI passes myhostname). */
  ehloName?: string;
  /** MX lookup for an unbracketed relay host (default: DNS). */
  resolveMx?: (name: string) => Promise<Array<{ exchange: string; priority: number }>>;
}

/** Port numbers of the service names Postfix accepts in relayhost. */
export const SERVICE_PORTS: Readonly<Record<string, number>> = {
  smtp: 25,
  submission: 587,
  smtps: 465,
  submissions: 465,
};

const DEFAULT_TIMEOUT_MS = 15_000;

class StageError extends Error {
  constructor(
    readonly stage: LoginStage,
    message: string,
  ) {
    super(message);
    this.name = 'StageError';
  }
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

/** The port of a relayhost port field, or a StageError. */
function portOf(port: number | string | undefined): number {
  if (port === undefined) return 25;
  if (typeof port === 'number') return port;
  const n = SERVICE_PORTS[port.toLowerCase()];
  if (n === undefined)
    throw new StageError('connect', `unknown service "${port}" in the relay host: write the port number`);
  return n;
}

/** Parse the AUTH mechanisms out of an EHLO reply ("250-AUTH PLAIN LOGIN", also "AUTH=..."). */
export function authMechanisms(ehloLines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of ehloLines) {
    const m = /^\d{3}[- ]AUTH[ =](.*)$/i.exec(line);
    if (!m) continue;
    for (const mech of m[1].trim().split(/\s+/)) {
      const u = mech.toUpperCase();
      if (u && !out.includes(u)) out.push(u);
    }
  }
  return out;
}

function connectTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  // Errors of the raw socket, once connected, surface through the reader (or the TLS socket on top of it).
  return whenReady(netConnect({ host, port }), 'connect', timeoutMs, {
    timeout: () => new Error(`no connection to ${host} port ${port} within ${seconds(timeoutMs)}`),
    failed: (e) => e,
  });
}

async function startTls(
  sock: Socket,
  verifyName: string,
  ca: string | Buffer | undefined,
  timeoutMs: number,
): Promise<TLSSocket> {
  // node:tls (its root certificates) and node:dns (a resolver reading resolv.conf) load when a
  // login is tested, not with every module that imports this one.
  const { checkServerIdentity, connect: tlsConnect } = nodeTls();
  const tls = tlsConnect({
    socket: sock,
    servername: isIP(verifyName) ? undefined : verifyName,
    ca,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    checkServerIdentity: (_host, cert) => checkServerIdentity(verifyName, cert),
  });
  return whenReady(tls, 'secureConnect', timeoutMs, {
    timeout: () => new Error(`TLS handshake did not finish within ${seconds(timeoutMs)}`),
    failed: (e) => e,
  });
}

/** Where to connect and which name the certificate must carry. */
async function target(
  opts: LoginOptions,
  host: string,
  bracketed: boolean,
  note: (s: string) => void,
  timeoutMs: number,
): Promise<{ address: string; verifyName: string }> {
  if (opts.connectHost) return { address: opts.connectHost, verifyName: host };
  if (bracketed || isIP(host)) return { address: host, verifyName: host };
  // Unbracketed: Postfix looks up MX records first, and uses the host's own address without any.
  const lookup = opts.resolveMx ?? ((n: string) => nodeDns().promises.resolveMx(n));
  const mx = await Promise.race([
    lookup(host).catch(() => []),
    new Promise<Array<{ exchange: string; priority: number }>>((r) => setTimeout(() => r([]), timeoutMs).unref()),
  ]);
  const best = [...mx]
    .filter((m) => m.exchange !== '' && m.exchange !== '.')
    .sort((a, b) => a.priority - b.priority)[0];
  if (!best) {
    note(`-- no MX record for ${host}: connecting to ${host} itself`);
    return { address: host, verifyName: host };
  }
  const exchange = best.exchange.replace(/\.$/, '').toLowerCase();
  note(`-- MX for ${host}: ${exchange} (preference ${best.priority})`);
  return { address: exchange, verifyName: exchange };
}

/**
 * Test the smart host login: connect, TLS, EHLO, AUTH PLAIN / LOGIN / CRAM-MD5, QUIT. Never
 * throws; the result tells where it stopped and what was said.
 */
export async function testSmartHostLogin(opts: LoginOptions): Promise<LoginResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const transcript: string[] = [];
  let mechanisms: string[] = [];
  const secrets = secretForms(opts.username, opts.password);
  const scrub = (s: string) => scrubSecrets(s, secrets);
  const note = (s: string) => transcript.push(scrub(s));
  const result = (ok: boolean, stage: LoginStage, message: string): LoginResult => ({
    ok,
    stage,
    message: scrub(message),
    mechanisms,
    transcript,
  });

  if (opts.username === '') return result(false, 'auth', 'no user name given');
  if (opts.password === '') return result(false, 'auth', 'no password given');

  let host: string;
  let bracketed: boolean;
  let port: number;
  try {
    const r = parseRelayhost(opts.relayhost);
    if (r.host.startsWith('$')) {
      return result(
        false,
        'connect',
        `the relay host "${opts.relayhost}" refers to a parameter: give the host name to test the login`,
      );
    }
    host = r.host;
    bracketed = r.bracketed;
    port = portOf(r.port);
  } catch (e) {
    return result(false, 'connect', (e as Error).message);
  }
  const implicitTls = port === 465;
  const ehloName = opts.ehloName ?? osHostname();

  let sock: Socket | null = null;
  const reader = new SmtpReplyReader();
  let stage: LoginStage = 'connect';
  const send = (line: string, shown = line) => {
    note(`C: ${shown}`);
    sock?.write(`${line}\r\n`);
  };
  const read = async (what: string): Promise<SmtpReply> => {
    const r = await reader.next(timeoutMs, what);
    for (const l of r.lines) note(`S: ${l}`);
    return r;
  };
  const fail = (reply: SmtpReply): never => {
    throw new StageError(stage, reply.text);
  };

  try {
    const { address, verifyName } = await target(opts, host, bracketed, note, timeoutMs);
    const dialPort = opts.connectPort ?? port;
    note(`-- connecting to ${address} port ${dialPort}${implicitTls ? ' (TLS from the start)' : ''}`);
    try {
      sock = await connectTcp(address, dialPort, timeoutMs);
    } catch (e) {
      throw new StageError('connect', (e as Error).message);
    }
    const tlsUp = async () => {
      stage = 'tls';
      try {
        const tls = await startTls(sock as Socket, verifyName, opts.ca, timeoutMs);
        sock = tls;
        const cipher = tls.getCipher();
        note(`-- TLS ${tls.getProtocol() ?? ''} ${cipher.name}: certificate verified for ${verifyName}`);
        reader.attach(socketConnection(tls));
      } catch (e) {
        throw new StageError('tls', (e as Error).message);
      }
    };
    if (implicitTls) await tlsUp();
    else reader.attach(socketConnection(sock));

    stage = 'greeting';
    const greeting = await read('greeting');
    if (greeting.code !== 220) fail(greeting);

    stage = 'ehlo';
    send(`EHLO ${ehloName}`);
    let ehlo = await read('reply to EHLO');
    if (ehlo.code !== 250) fail(ehlo);

    if (!implicitTls) {
      stage = 'starttls';
      if (!offers(ehlo.lines, 'STARTTLS')) {
        throw new StageError('starttls', 'server does not offer STARTTLS');
      }
      send('STARTTLS');
      const r = await read('reply to STARTTLS');
      if (r.code !== 220) fail(r);
      if (reader.detach()) throw new StageError('starttls', 'the server sent data after its reply to STARTTLS');
      await tlsUp();
      stage = 'ehlo';
      send(`EHLO ${ehloName}`);
      ehlo = await read('reply to EHLO');
      if (ehlo.code !== 250) fail(ehlo);
    }

    stage = 'auth';
    mechanisms = authMechanisms(ehlo.lines);
    if (mechanisms.length === 0) throw new StageError('auth', 'server offers no AUTH');
    const hidden = '<credentials hidden>';
    let final: SmtpReply;
    if (mechanisms.includes('PLAIN')) {
      send(`AUTH PLAIN ${b64(`\0${opts.username}\0${opts.password}`)}`, `AUTH PLAIN ${hidden}`);
      final = await read('reply to AUTH PLAIN');
      if (final.code === 334) {
        send(b64(`\0${opts.username}\0${opts.password}`), hidden);
        final = await read('reply to AUTH PLAIN');
      }
    } else if (mechanisms.includes('LOGIN')) {
      send('AUTH LOGIN');
      final = await read('reply to AUTH LOGIN');
      if (final.code === 334) {
        send(b64(opts.username), hidden);
        final = await read('reply to the user name');
        if (final.code === 334) {
          send(b64(opts.password), hidden);
          final = await read('reply to the password');
        }
      }
    } else if (mechanisms.includes('CRAM-MD5')) {
      send('AUTH CRAM-MD5');
      final = await read('reply to AUTH CRAM-MD5');
      if (final.code === 334) {
        const challenge = Buffer.from(final.text.slice(4).trim(), 'base64');
        const digest = nodeCrypto().createHmac('md5', opts.password).update(challenge).digest('hex');
        send(b64(`${opts.username} ${digest}`), hidden);
        final = await read('reply to the CRAM-MD5 response');
      }
    } else {
      throw new StageError(
        'auth',
        `server offers no mechanism mailsetup can test (AUTH ${mechanisms.join(' ')}); Postfix may still manage`,
      );
    }
    if (final.code !== 235) fail(final);

    await quit(send, reader, Math.min(timeoutMs, 2_000));
    return result(true, 'done', final.text);
  } catch (e) {
    if (sock && (e as StageError).stage !== 'connect' && (e as StageError).stage !== 'tls') {
      await quit(send, reader, Math.min(timeoutMs, 2_000));
    }
    const s = e instanceof StageError ? e.stage : stage;
    return result(false, s, (e as Error).message);
  } finally {
    (sock as Socket | null)?.destroy();
  }
}

/** QUIT politely; a missing or late 221 does not matter. */
async function quit(send: (l: string) => void, reader: SmtpReplyReader, timeoutMs: number): Promise<void> {
  if (!reader.attached) return;
  try {
    send('QUIT');
    await reader.next(timeoutMs, 'reply to QUIT');
  } catch {
    // The login result is already known.
  }
}

/**
 * The password and every encoding of it that could appear in what is shown: as typed, in base64
 * (AUTH PLAIN and LOGIN), and as the bytes of its UTF-8 form read one character per byte (replies
 * arrive so: a server that echoes a non-ASCII password shows it that way).
 */
export function secretForms(username: string, password: string): string[] {
  if (password === '') return [];
  const latin1 = (t: string) => Buffer.from(t, 'utf8').toString('latin1');
  const forms = [b64(`\0${username}\0${password}`), b64(password), password, latin1(password)];
  return [...new Set(forms)].filter((f) => f.length >= 3).sort((a, b) => b.length - a.length);
}

/** The text with every form of the password hidden and control characters made visible. */
function scrubSecrets(s: string, forms: readonly string[]): string {
  let out = s;
  for (const f of forms) out = out.split(f).join('********');
  return printable(out);
}
