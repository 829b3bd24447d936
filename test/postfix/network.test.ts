/**
 * The network arithmetic (src/postfix/network.ts): parsing networks the way Postfix's lists
 * hold them, membership and containment, public ranges; membership compared with Postfix's own
 * CIDR matching (`postmap -q - cidr:FILE`) on seeded random networks and addresses.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { networkInterfaces } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addressScope,
  containsNetwork,
  coversAll,
  inNetworks,
  isPublicNetwork,
  networkOf,
  parseAddress,
  parseEndpoint,
  parseNetwork,
  parseNetworkList,
  styleNetworks,
  prefixOfMask,
  showEndpoint,
  type Network,
} from '../../src/postfix/network.js';
import { parseCidr } from '../../src/postfix/validate.js';
import { cleanup, describePostfix, postconf, tempDir } from '../helpers/postfix.js';
import { writeSettled } from '../helpers/settled.js';
import { interfaceAddresses } from '../../src/system/hostFacts.js';
import { splitList } from '../../src/postfix/lists.js';
import { Rng } from '../helpers/prng.js';

const net = (text: string): Network => {
  const n = parseNetwork(text);
  if (!n) throw new Error(`test network ${text} did not parse`);
  return n;
};

describe('network', () => {
  it('parses addresses and networks as Postfix lists hold them; host bits are masked', () => {
    expect(parseNetwork('192.168.1.0/24')).toMatchObject({
      family: 4,
      network: '192.168.1.0',
      prefix: 24,
      postfix: '192.168.1.0/24',
    });
    expect(parseNetwork('127.0.0.1')).toMatchObject({ postfix: '127.0.0.1/32' });
    expect(parseNetwork('127.0.0.1/8')).toMatchObject({ postfix: '127.0.0.0/8' });
    for (const v6 of ['[2001:db8::]/32', '2001:db8::/32', '[2001:DB8::/32]', '[2001:db8::1]/32'])
      expect(parseNetwork(v6)).toMatchObject({
        family: 6,
        network: '2001:db8::',
        prefix: 32,
        postfix: '[2001:db8::]/32',
      });
    expect(parseNetwork('[::1]')).toMatchObject({ postfix: '[::1]/128' });
    expect(parseNetwork('[::ffff:127.0.0.0]/104')).toMatchObject({ family: 6, prefix: 104 });
    expect(net('10.0.0.0/8').first).toBe(0x0a000000n);
    expect(net('10.0.0.0/8').last).toBe(0x0affffffn);
    for (const bad of [
      'hash:/etc/postfix/network_table',
      '/etc/postfix/nets',
      '$mynetworks',
      'mx.example.com',
      '10.0.0.0/33',
      '[::1]/129',
      '1.2.3',
      'fe80::1%eth0',
      '',
      '[10.0.0.0/8',
    ])
      expect([bad, parseNetwork(bad)]).toEqual([bad, null]);
    expect(parseAddress('[::1]')).toEqual({ family: 6, value: 1n });
    expect(parseAddress('10.0.0.0/8')).toBeNull();
  });

  it('a list: the networks, and what is not a network as written', () => {
    const l = parseNetworkList('127.0.0.0/8, [::1]/128\n\t10.1.0.0/16 hash:/etc/postfix/network_table,$extra');
    expect(l.networks.map((n) => n.postfix)).toEqual(['127.0.0.0/8', '[::1]/128', '10.1.0.0/16']);
    expect(l.other).toEqual(['hash:/etc/postfix/network_table', '$extra']);
    expect(parseNetworkList('')).toEqual({ networks: [], other: [] });
    // Unbracketed IPv6 in a match list is a lookup table to Postfix (type "2001"), not a network.
    expect(parseNetworkList('2001:db8::/32 [2001:db8::]/32 ::1')).toEqual({
      networks: [net('[2001:db8::]/32')],
      other: ['2001:db8::/32', '::1'],
    });
  });

  it('membership and containment, per family', () => {
    const nets = [net('127.0.0.0/8'), net('[fd00::]/64')];
    expect(inNetworks('127.9.9.9', nets)).toBe(true);
    expect(inNetworks('128.0.0.0', nets)).toBe(false);
    expect(inNetworks('fd00::ffff', nets)).toBe(true);
    expect(inNetworks('[fd00::1]', nets)).toBe(true);
    expect(inNetworks('fd00:0:0:1::1', nets)).toBe(false);
    expect(inNetworks('::ffff:127.0.0.1', nets)).toBe(false); // another family for Postfix too
    expect(inNetworks('not an address', nets)).toBe(false);
    expect(containsNetwork(net('10.0.0.0/8'), net('10.1.0.0/16'))).toBe(true);
    expect(containsNetwork(net('10.1.0.0/16'), net('10.0.0.0/8'))).toBe(false);
    expect(containsNetwork(net('10.1.0.0/16'), net('10.1.0.0/16'))).toBe(true);
    expect(containsNetwork(net('0.0.0.0/0'), net('[::]/0'))).toBe(false);
  });

  it('public ranges and /0, as validate.isPublic / coversAll say them', () => {
    const cases: Array<[string, boolean]> = [
      ['10.1.0.0/16', false],
      ['10.0.0.0/7', true],
      ['100.64.0.0/10', false],
      ['100.0.0.0/9', true],
      ['::1', false],
      ['fc00::/7', false],
      ['2001:db8::/32', true],
      ['[::ffff:10.0.0.0]/104', false],
      ['::ffff:8.8.8.8', true],
    ];
    for (const [text, want] of cases) {
      expect([text, isPublicNetwork(net(text))]).toEqual([text, want]);
      expect([text, isPublicNetwork(parseCidr(text))]).toEqual([text, want]);
    }
    expect(coversAll(net('[::]/0'))).toBe(true);
    expect(coversAll(net('0.0.0.0/1'))).toBe(false);
  });

  it("an interface address's network and prefix (its scope: test/system/hostFacts.test.ts)", () => {
    expect(prefixOfMask('255.255.255.0', 4)).toBe(24);
    expect(prefixOfMask('255.255.254.0', 4)).toBe(23);
    expect(prefixOfMask('0.0.0.0', 4)).toBe(0);
    expect(prefixOfMask('ffff:ffff:ffff:ffff::', 6)).toBe(64);
    expect(() => prefixOfMask('255.255.255.0', 6)).toThrow('not an IPv6 netmask: 255.255.255.0');
    expect(networkOf('10.1.2.3', 8, 4)).toBe('10.0.0.0/8');
    expect(addressScope('100.127.255.255', 4)).toBe('private');
    expect(addressScope('100.128.0.0', 4)).toBe('public');
  });

  it('endpoints: host:port and [v6]:port', () => {
    expect(showEndpoint('::1', 25)).toBe('[::1]:25');
    expect(showEndpoint('127.0.0.1', 2525)).toBe('127.0.0.1:2525');
    expect(parseEndpoint('127.0.21.25:2421')).toEqual({ host: '127.0.21.25', port: 2421 });
    expect(parseEndpoint('[::1]:25')).toEqual({ host: '::1', port: 25 });
    expect(() => parseEndpoint('::1:25')).toThrow('"::1:25" is not host:port (or [ipv6]:port)');
  });
});

describePostfix('network membership = Postfix CIDR matching (postmap -q - cidr:)', () => {
  const dir = tempDir('mailsetup-network-');
  afterAll(() => cleanup(dir));
  writeSettled(join(dir, 'main.cf'), ''); // a fixture: postmap does not wait for it to settle

  /** Seeded networks in a small space (so that addresses often match), written as Postfix wants them. */
  function networks(rng: Rng, family: 4 | 6): Network[] {
    const out: Network[] = [];
    for (let i = 0; i < 12; i++) {
      const prefix = family === 4 ? rng.range(16, 32) : rng.range(104, 128);
      const host =
        family === 4
          ? `10.0.${rng.int(4)}.${rng.int(256)}`
          : `fd00::${rng.int(4).toString(16)}:${rng.int(65536).toString(16)}`;
      out.push(net(family === 4 ? `${host}/${prefix}` : `[${host}]/${prefix}`));
    }
    return out;
  }

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: the same addresses match, and the first network matched is Postfix's`, () => {
      const rng = new Rng(seed);
      const family: 4 | 6 = seed % 2 ? 4 : 6;
      const nets = networks(rng, family);
      const table = join(dir, `nets-${seed}`);
      writeFileSync(table, nets.map((n, i) => `${n.postfix} net${i}\n`).join(''));
      const addresses = Array.from({ length: 200 }, () =>
        family === 4
          ? `10.0.${rng.int(4)}.${rng.int(256)}`
          : `fd00::${rng.int(4).toString(16)}:${rng.int(65536).toString(16)}`,
      );
      const r = spawnSync('postmap', ['-c', dir, '-q', '-', `cidr:${table}`], {
        input: `${addresses.join('\n')}\n`,
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      const postfix = new Map(
        r.stdout
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => l.split('\t') as [string, string]),
      );
      const ours = new Map<string, string>();
      for (const a of addresses) {
        const i = nets.findIndex((n) => inNetworks(a, [n]));
        if (i >= 0) ours.set(a, `net${i}`);
        expect([a, inNetworks(a, nets)]).toEqual([a, postfix.has(a)]);
      }
      expect(ours).toEqual(postfix);
      expect(postfix.size).toBeGreaterThan(0);
    });
  }
});

describePostfix('styleNetworks: what mynetworks_style trusts, as the real Postfix derives it on this machine', () => {
  const dir = tempDir();
  afterAll(() => cleanup(dir));
  for (const style of ['host', 'subnet', 'class'] as const) {
    it(`mynetworks_style = ${style}`, () => {
      writeSettled(
        join(dir, 'main.cf'),
        `compatibility_level = 3.6\ninet_protocols = all\nmynetworks_style = ${style}\n`,
      );
      writeFileSync(join(dir, 'master.cf'), '');
      const r = postconf(dir, ['-xh', 'mynetworks']);
      expect(r.stderr).toBe('');
      const ours = styleNetworks(interfaceAddresses(networkInterfaces()), style);
      expect(ours.length).toBeGreaterThan(0);
      expect([...new Set(splitList(r.stdout))].sort()).toEqual([...ours].sort());
    });
  }
});
