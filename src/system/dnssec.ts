/**
 * The DNSSEC probe of the real Effects: one UDP query to a resolver, the one Postfix's own
 * dnssec_probe sends (NS records of the root zone, EDNS0 with the DNSSEC OK bit, the AD bit set
 * to ask for validation, RFC 6840 5.7), and the response code and AD bit of the answer. The
 * message is built and read here byte by byte; nothing else of the answer is used.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { DnssecProbeResult } from '../model/effects.js';
import { seconds } from './net.js';
import { nodeCrypto } from './builtins.js';

const FLAG_QR = 0x8000;
const FLAG_RD = 0x0100;
const FLAG_AD = 0x0020;
const TYPE_NS = 2;
const TYPE_OPT = 41;
const CLASS_IN = 1;
const EDNS_PAYLOAD = 1232;
const EDNS_DO = 0x8000;

/** The query: header, the root's NS question, and an OPT record with DO set. */
export function dnssecQuery(id: number): Buffer {
  const b = Buffer.alloc(12 + 5 + 11);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(FLAG_RD | FLAG_AD, 2);
  b.writeUInt16BE(1, 4); // QDCOUNT
  b.writeUInt16BE(0, 6); // ANCOUNT
  b.writeUInt16BE(0, 8); // NSCOUNT
  b.writeUInt16BE(1, 10); // ARCOUNT
  let o = 12;
  b.writeUInt8(0, o++); // the root name
  b.writeUInt16BE(TYPE_NS, o);
  b.writeUInt16BE(CLASS_IN, o + 2);
  o += 4;
  b.writeUInt8(0, o++); // OPT: root name
  b.writeUInt16BE(TYPE_OPT, o);
  b.writeUInt16BE(EDNS_PAYLOAD, o + 2); // the class field carries the UDP payload size
  b.writeUInt8(0, o + 4); // extended rcode
  b.writeUInt8(0, o + 5); // version
  b.writeUInt16BE(EDNS_DO, o + 6);
  b.writeUInt16BE(0, o + 8); // RDLENGTH
  return b;
}

/** The response code and AD bit of an answer to query `id`; null when it is not one. */
export function readDnssecAnswer(msg: Buffer, id: number): DnssecProbeResult | null {
  if (msg.length < 12 || msg.readUInt16BE(0) !== id) return null;
  const flags = msg.readUInt16BE(2);
  if ((flags & FLAG_QR) === 0) return null;
  return { rcode: flags & 0x000f, ad: (flags & FLAG_AD) !== 0 };
}

/** Send the probe to `server` port 53 (or `port`) and wait for its answer, bounded. */
export function dnssecProbeUdp(server: string, timeoutMs: number, port = 53): Promise<DnssecProbeResult> {
  return new Promise((resolve, reject) => {
    const family = isIP(server);
    if (family === 0) {
      reject(new Error(`"${server}" is not an IP address`));
      return;
    }
    const id = nodeCrypto().randomBytes(2).readUInt16BE(0);
    const sock = createSocket(family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      f();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`no answer to the DNSSEC probe within ${seconds(timeoutMs)}`))),
      timeoutMs,
    );
    sock.on('error', (e) => finish(() => reject(e)));
    sock.on('message', (msg, rinfo) => {
      if (rinfo.address !== server && !(server === '::1' && rinfo.address === '::1')) return;
      const r = readDnssecAnswer(msg, id);
      if (r) finish(() => resolve(r));
    });
    sock.send(dnssecQuery(id), port, server, (e) => {
      if (e) finish(() => reject(e));
    });
  });
}
