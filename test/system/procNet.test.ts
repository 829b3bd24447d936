/** /proc/net/tcp and tcp6: the LISTEN sockets, in the host's byte order; both tables, each socket once. */
import { describe, expect, it } from 'vitest';
import { listenSocketsOf, parseProcNetTcp } from '../../src/system/procNet.js';

describe('procNet', () => {
  it('parses /proc/net/tcp and tcp6 LISTEN sockets (little-endian words)', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:0019 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0',
      '   1: 00000000:09D9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0',
      '   2: 190D007F:09DD 0900007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0',
    ].join('\n');
    expect(parseProcNetTcp(tcp, 4, true)).toEqual([
      { address: '127.0.0.1', port: 25, family: 4, loopback: true, wildcard: false },
      { address: '0.0.0.0', port: 2521, family: 4, loopback: false, wildcard: true },
    ]);
    const tcp6 = [
      '  sl  local_address                         remote_address                        st',
      '   0: 00000000000000000000000001000000:0019 00000000000000000000000000000000:0000 0A',
      '   1: 00000000000000000000000000000000:0019 00000000000000000000000000000000:0000 0A',
      '   2: 0000000000000000FFFF00000100007F:0019 00000000000000000000000000000000:0000 0A',
      '   3: 000000FD000000000000000002000000:0019 00000000000000000000000000000000:0000 0A',
    ].join('\n');
    expect(parseProcNetTcp(tcp6, 6, true).map((s) => [s.address, s.loopback, s.wildcard])).toEqual([
      ['::1', true, false],
      ['::', false, true],
      ['::ffff:7f00:1', true, false],
      ['fd00::2', false, false],
    ]);
  });

  it('big-endian words; only LISTEN rows; both tables, each address and port once', () => {
    const tcp = [
      'header',
      '   0: 7F000001:0019 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1',
      '   1: 7F000001:0019 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2',
      '   2: 7F000001:1F90 0900007F:A000 06 00000000:00000000 00:00000000 00000000     0        0 3',
    ].join('\n');
    const tcp6 = [
      'header',
      '   0: 00000000000000000000000000000001:0019 00000000000000000000000000000000:0000 0A',
    ].join('\n');
    expect(listenSocketsOf(tcp, tcp6, false)).toEqual([
      { address: '127.0.0.1', port: 25, family: 4, loopback: true, wildcard: false },
      { address: '::1', port: 25, family: 6, loopback: true, wildcard: false },
    ]);
    expect(listenSocketsOf('', '', true)).toEqual([]);
  });
});
