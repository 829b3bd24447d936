/**
 * The two TLS probes of the real Effects, against stand-ins on loopback: the DNSSEC probe
 * (one UDP query, the one Postfix's dnssec_probe sends) to a stand-in resolver that sets the AD
 * bit or not, or never answers; and the STARTTLS probe (EHLO, STARTTLS, handshake, the
 * certificate presented) to smtp-server with and without STARTTLS, and to nothing at all.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnssecProbeUdp, dnssecQuery, readDnssecAnswer } from '../../src/system/dnssec.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { starttlsProbeTcp } from '../../src/system/starttls.js';
import { makeTestPki, type TestPki } from '../helpers/testCa.js';

describe('the DNSSEC probe', () => {
  it("the query: the root's NS records, recursion and AD asked for, one OPT record with the DNSSEC OK bit", () => {
    const q = dnssecQuery(0x1234);
    expect(q.readUInt16BE(0)).toBe(0x1234);
    expect(q.readUInt16BE(2)).toBe(0x0120); // RD + AD
    expect([q.readUInt16BE(4), q.readUInt16BE(6), q.readUInt16BE(8), q.readUInt16BE(10)]).toEqual([1, 0, 0, 1]);
    expect([...q.subarray(12, 17)]).toEqual([0, 0, 2, 0, 1]); // ".", NS, IN
    expect(q[17]).toBe(0); // OPT owner "."
    expect(q.readUInt16BE(18)).toBe(41);
    expect(q.readUInt16BE(24) & 0x8000).toBe(0x8000); // DO
    expect(q.length).toBe(28);
  });

  it('the answer: only a response to this query id counts; its rcode and AD bit', () => {
    const answer = (id: number, flags: number) => {
      const b = Buffer.alloc(12);
      b.writeUInt16BE(id, 0);
      b.writeUInt16BE(flags, 2);
      return b;
    };
    expect(readDnssecAnswer(answer(7, 0x81a0), 7)).toEqual({ rcode: 0, ad: true });
    expect(readDnssecAnswer(answer(7, 0x8180), 7)).toEqual({ rcode: 0, ad: false });
    expect(readDnssecAnswer(answer(7, 0x8182), 7)).toEqual({ rcode: 2, ad: false });
    expect(readDnssecAnswer(answer(8, 0x81a0), 7)).toBeNull();
    expect(readDnssecAnswer(answer(7, 0x0120), 7)).toBeNull(); // a query, not a response
    expect(readDnssecAnswer(Buffer.alloc(5), 7)).toBeNull();
  });

  describe('over UDP to a stand-in resolver on 127.0.0.1', () => {
    let resolver: UdpSocket;
    let port = 0;
    let mode: 'validating' | 'plain' | 'silent' = 'validating';
    const seen: Buffer[] = [];

    beforeAll(async () => {
      resolver = createSocket('udp4');
      resolver.on('message', (msg, rinfo) => {
        seen.push(msg);
        if (mode === 'silent') return;
        const reply = Buffer.from(msg.subarray(0, 12));
        reply.writeUInt16BE(0x8180 | (mode === 'validating' ? 0x0020 : 0), 2);
        resolver.send(reply, rinfo.port, rinfo.address);
      });
      await new Promise<void>((resolve) => resolver.bind(0, '127.0.0.1', resolve));
      port = (resolver.address() as AddressInfo).port;
    });
    afterAll(() => resolver.close());

    it('a validating resolver sets AD; a plain one does not; a silent one times out', async () => {
      mode = 'validating';
      expect(await dnssecProbeUdp('127.0.0.1', 2_000, port)).toEqual({ rcode: 0, ad: true });
      expect(seen.at(-1)?.readUInt16BE(2)).toBe(0x0120);
      mode = 'plain';
      expect(await dnssecProbeUdp('127.0.0.1', 2_000, port)).toEqual({ rcode: 0, ad: false });
      mode = 'silent';
      await expect(dnssecProbeUdp('127.0.0.1', 300, port)).rejects.toThrow(
        'no answer to the DNSSEC probe within 0.3 s',
      );
      await expect(dnssecProbeUdp('resolver.example', 300, port)).rejects.toThrow(
        '"resolver.example" is not an IP address',
      );
    });

    it('a --root sandbox never asks', async () => {
      const sandbox = createRealEffects(mkdtempSync(join(tmpdir(), 'mailsetup-probe-')));
      try {
        await expect(sandbox.dnssecProbe?.('127.0.0.1', 300)).rejects.toThrow(/a sandbox does not query DNS/);
      } finally {
        rmSync(sandbox.root, { recursive: true, force: true });
      }
    });
  });
});

describe('the STARTTLS probe', () => {
  let dir = '';
  let pki: TestPki;
  let tls: SMTPServer;
  let plain: SMTPServer;
  let tlsPort = 0;
  let plainPort = 0;

  const listen = (s: SMTPServer) =>
    new Promise<number>((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve((s.server.address() as AddressInfo).port));
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailsetup-starttls-'));
    pki = makeTestPki(dir);
    tls = new SMTPServer({ logger: false, key: pki.key, cert: pki.cert, authOptional: true, closeTimeout: 500 });
    plain = new SMTPServer({ logger: false, hideSTARTTLS: true, authOptional: true, closeTimeout: 500 });
    tlsPort = await listen(tls);
    plainPort = await listen(plain);
  }, 60_000);
  afterAll(async () => {
    await new Promise<void>((r) => tls.close(() => r()));
    await new Promise<void>((r) => plain.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes the handshake and reports the protocol, the cipher and the certificate presented', async () => {
    const r = await starttlsProbeTcp({ host: '127.0.0.1', port: tlsPort, ehloName: 'probe.example', timeoutMs: 5_000 });
    expect(r.offered).toBe(true);
    expect(r.reply).toMatch(/^220 /);
    expect(r.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(r.cipher).toBeTruthy();
    const leaf = new X509Certificate(pki.cert);
    expect(r.certificate).toMatchObject({
      subject: 'CN=localhost',
      issuer: 'CN=mailsetup test CA',
      names: ['localhost'],
      selfSigned: false,
      sha256: leaf.fingerprint256,
    });
    expect(r.transcript).toContain('C: STARTTLS');
    expect(r.transcript.some((l) => l.startsWith('-- TLS TLSv1.'))).toBe(true);
  });

  it('a server without STARTTLS: offered is false and no handshake is tried', async () => {
    const r = await starttlsProbeTcp({
      host: '127.0.0.1',
      port: plainPort,
      ehloName: 'probe.example',
      timeoutMs: 5_000,
    });
    expect(r.offered).toBe(false);
    expect(r.protocol).toBeUndefined();
    expect(r.transcript).not.toContain('C: STARTTLS');
  });

  it('nothing listening: rejected, naming the endpoint; a sandbox never dials', async () => {
    await expect(
      starttlsProbeTcp({ host: '127.0.0.1', port: 1, ehloName: 'probe.example', timeoutMs: 2_000 }),
    ).rejects.toThrow('cannot connect to 127.0.0.1:1: ECONNREFUSED');
    const sandbox = createRealEffects(dir);
    await expect(
      sandbox.starttlsProbe?.({ host: '127.0.0.1', port: tlsPort, ehloName: 'x', timeoutMs: 1_000 }),
    ).rejects.toThrow(/a sandbox does not reach the network/);
  });
});
