/**
 * The kernel's table of TCP sockets, /proc/net/tcp and /proc/net/tcp6: which addresses and
 * ports are in LISTEN state. Parsing only; realEffects reads the files.
 */
import { endianness } from 'node:os';
import { Address6 } from 'ip-address';
import type { ListenSocket } from '../model/effects.js';

/** The bytes of an address field: 32-bit words, each in the host's byte order. */
function hexBytes(hex: string, littleEndian: boolean): number[] {
  const out: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    const bytes = [0, 2, 4, 6].map((i) => Number.parseInt(word.slice(i, i + 2), 16));
    out.push(...(littleEndian ? bytes.reverse() : bytes));
  }
  return out;
}

/** The LISTEN sockets of /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6) text. */
export function parseProcNetTcp(text: string, family: 4 | 6, littleEndian = endianness() === 'LE'): ListenSocket[] {
  const out: ListenSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== '0A') continue; // 0A = TCP_LISTEN
    const [addrHex, portHex] = f[1].split(':');
    const port = Number.parseInt(portHex, 16);
    const bytes = hexBytes(addrHex, littleEndian);
    let address: string;
    let loopback: boolean;
    let wildcard: boolean;
    if (family === 4) {
      address = bytes.join('.');
      loopback = bytes[0] === 127;
      wildcard = address === '0.0.0.0';
    } else {
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
      address = new Address6(groups.join(':')).correctForm();
      // ::ffff:a.b.c.d (an IPv4 socket seen through tcp6): loopback when a is 127.
      const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
      loopback = address === '::1' || (mapped && bytes[12] === 127);
      wildcard = address === '::';
    }
    out.push({ address, port, family, loopback, wildcard });
  }
  return out;
}

/** The LISTEN sockets of both tables, each address and port once. */
export function listenSocketsOf(tcp: string, tcp6: string, littleEndian = endianness() === 'LE'): ListenSocket[] {
  const seen = new Set<string>();
  return [...parseProcNetTcp(tcp, 4, littleEndian), ...parseProcNetTcp(tcp6, 6, littleEndian)].filter((s) => {
    const k = `${s.address}|${s.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
