/**
 * The STARTTLS probe of the real Effects (--verify, the TLS tests): connect, read the greeting,
 * EHLO, STARTTLS, complete the TLS handshake and report what the server presented, QUIT. The
 * certificate is not verified: the point is to see which certificate the host's own Postfix
 * offers (a snakeoil certificate is fine for opportunistic TLS), not to trust it.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { StarttlsProbeOptions, StarttlsProbeResult } from '../model/effects.js';
import { showEndpoint } from '../postfix/network.js';
import { seconds, socketConnection, whenReady } from './net.js';
import { SmtpReplyReader, type SmtpReply } from './smtpClient.js';
import { certificateInfo } from './tls.js';
import { nodeTls } from './builtins.js';

function connectTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  const where = showEndpoint(host, port);
  return whenReady(netConnect({ host, port }), 'connect', timeoutMs, {
    timeout: () => new Error(`no connection to ${where} within ${seconds(timeoutMs)}`),
    failed: (e) => new Error(`cannot connect to ${where}: ${e.code ?? e.message}`),
  });
}

async function handshake(sock: Socket, host: string, timeoutMs: number): Promise<TLSSocket> {
  const { connect: tlsConnect } = nodeTls(); // loaded by the first probe, not with the module
  const tls = tlsConnect({ socket: sock, servername: isIP(host) ? undefined : host, rejectUnauthorized: false });
  return whenReady(tls, 'secureConnect', timeoutMs, {
    timeout: () => new Error(`the TLS handshake did not finish within ${seconds(timeoutMs)}`),
    failed: (e) => new Error(`the TLS handshake failed: ${e.message}`),
  });
}

/** Whether an EHLO reply lists `keyword`. */
export function ehloOffers(lines: readonly string[], keyword: string): boolean {
  return lines.some((l, i) => i > 0 && new RegExp(`^\\d{3}[- ]${keyword}(\\s|$)`, 'i').test(l));
}

/** The probe (see the module comment). Rejects naming the endpoint when it cannot finish. */
export async function starttlsProbeTcp(opts: StarttlsProbeOptions): Promise<StarttlsProbeResult> {
  const where = showEndpoint(opts.host, opts.port);
  const transcript: string[] = [];
  const reader = new SmtpReplyReader(where);
  let sock: Socket | TLSSocket = await connectTcp(opts.host, opts.port, opts.timeoutMs);
  const send = (line: string) => {
    transcript.push(`C: ${line}`);
    sock.write(`${line}\r\n`);
  };
  const read = async (what: string): Promise<SmtpReply> => {
    const r = await reader.next(opts.timeoutMs, what);
    for (const l of r.lines) transcript.push(`S: ${l}`);
    return r;
  };
  try {
    reader.attach(socketConnection(sock));
    const greeting = await read('greeting');
    const out: StarttlsProbeResult = { greeting: greeting.lines[0] ?? '', offered: false, transcript };
    if (greeting.code !== 220) return out;
    send(`EHLO ${opts.ehloName}`);
    const ehlo = await read('reply to EHLO');
    out.offered = ehlo.code === 250 && ehloOffers(ehlo.lines, 'STARTTLS');
    if (!out.offered) {
      send('QUIT');
      await read('reply to QUIT').catch(() => undefined);
      return out;
    }
    send('STARTTLS');
    const go = await read('reply to STARTTLS');
    out.reply = go.text;
    if (go.code !== 220) {
      send('QUIT');
      await read('reply to QUIT').catch(() => undefined);
      return out;
    }
    if (reader.detach()) throw new Error(`${where} sent data after its reply to STARTTLS`);
    const tls = await handshake(sock, opts.host, opts.timeoutMs);
    sock = tls;
    out.protocol = tls.getProtocol() ?? undefined;
    out.cipher = tls.getCipher().name;
    const peer = tls.getPeerX509Certificate();
    if (peer) out.certificate = certificateInfo(peer);
    transcript.push(`-- TLS ${out.protocol ?? ''} ${out.cipher}: ${out.certificate?.subject ?? 'no certificate'}`);
    reader.attach(socketConnection(tls));
    send('QUIT');
    await read('reply to QUIT').catch(() => undefined);
    return out;
  } finally {
    sock.destroy();
  }
}
