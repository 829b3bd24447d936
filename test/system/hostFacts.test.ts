import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  hasIpv6DefaultRoute,
  interfaceAddresses,
  parseOsRelease,
  POSTFIX_SCRIPT,
  readHostFacts,
  readPostfixFacts,
  recommendsChrootOff,
  smtpPortFromMasterCf,
} from '../../src/system/hostFacts.js';
import { addressScope, networkOf } from '../../src/postfix/network.js';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import type { HostFacts } from '../../src/model/host.js';
import { needsRoot } from '../helpers/needs.js';
import { cleanup, describePostfix } from '../helpers/postfix.js';
import { readDebian } from '../helpers/reference.js';
import { makeSandbox } from '../helpers/system-fixture.js';

const sh = (cmd: string): string => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).trim();
const AS_ROOT = needsRoot('readHostFacts under --root', 'the sandbox has Postfix owners');
const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

describePostfix('readHostFacts on this machine (each fact against the tool that knows it)', () => {
  let facts: HostFacts;
  it('reads all facts', async () => {
    facts = await readHostFacts(createRealEffects('/'));
    expect(facts).toBeDefined();
  });
  it('fqdn = hostname --fqdn; hostname = the short kernel name', () => {
    expect(facts.fqdn).toBe(sh('hostname --fqdn'));
    expect(facts.hostname).toBe(sh('hostname -s'));
  });
  it('addresses = ip -o addr (address/prefix per interface), networks as python ipaddress computes them', () => {
    if (spawnSync('ip', ['-V']).status !== 0) return;
    const ip = sh("ip -o addr show | awk '{print $2, $4}'").split('\n').sort();
    expect(facts.addresses.map((a) => `${a.iface} ${a.address}/${a.prefix}`).sort()).toEqual(ip);
    const nets = execFileSync(
      'python3',
      [
        '-c',
        'import ipaddress, sys\nfor a in sys.argv[1:]: print(ipaddress.ip_interface(a).network)',
        ...facts.addresses.map((a) => `${a.address}/${a.prefix}`),
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n');
    facts.addresses.forEach((a, i) => {
      expect(a.network).toBe(a.family === 4 ? nets[i] : `[${nets[i].replace(/\/\d+$/, '')}]/${a.prefix}`);
    });
    const lo = facts.addresses.find((a) => a.address === '127.0.0.1');
    expect(lo).toEqual({
      iface: 'lo',
      family: 4,
      address: '127.0.0.1',
      prefix: 8,
      network: '127.0.0.0/8',
      scope: 'loopback',
    });
  });
  it('postfix: installed, mail_version, default_database_type, running = postfix status', () => {
    expect(facts.postfix.installed).toBe(true);
    expect(facts.postfix.version).toBe(sh('postconf -dh mail_version'));
    const main = existsSync('/etc/postfix/main.cf');
    expect(facts.postfix.defaultDatabaseType).toBe(
      sh(main ? 'postconf -h default_database_type' : 'postconf -dh default_database_type'),
    );
    expect(facts.postfix.running).toBe(spawnSync('postfix', ['status']).status === 0);
    expect(facts.postfix.smtpPort).toBe(25);
  });
  it('systemd = /run/systemd/system exists; rsyslog = rsyslogd installed', () => {
    expect(facts.systemd).toBe(existsSync('/run/systemd/system'));
    expect(facts.rsyslog).toBe(existsSync('/usr/sbin/rsyslogd') || existsSync('/sbin/rsyslogd'));
  });
  it('logrotate = dpkg says logrotate is installed', () => {
    expect(facts.logrotate).toBe(/install ok installed/.test(sh("dpkg-query -W -f='${Status}' logrotate || true")));
  });
  it('distro = /etc/os-release ID and VERSION_ID', () => {
    expect(facts.distro).toEqual({
      id: sh('. /etc/os-release; echo "$ID"'),
      versionId: sh('. /etc/os-release; echo "$VERSION_ID"'),
      debianLike: sh('. /etc/os-release; echo "$ID $ID_LIKE"').split(' ').includes('debian'),
    });
  });
  it('ipv6DefaultRoute = ip -6 route show default says so', () => {
    if (spawnSync('ip', ['-V']).status !== 0) return;
    expect(facts.ipv6DefaultRoute).toBe(sh('ip -6 route show default') !== '');
  });
});

(AS_ROOT ? describePostfix : describe.skip)(
  'readHostFacts under --root: configuration facts come from the sandbox',
  () => {
    it('default_database_type from the sandbox main.cf, smtp port from its master.cf, distro from its os-release', async () => {
      const root = makeSandbox();
      dirs.push(root);
      const main = join(root, 'etc/postfix/main.cf');
      writeFileSync(main, 'default_database_type = btree\n', { flag: 'a' });
      const master =
        readDebian('master.cf')
          .trimEnd()
          .replace(/^smtp {6}inet/m, '#smtp      inet') +
        '\n2525      inet  n       -       y       -       -       smtpd\n';
      writeFileSync(join(root, 'etc/postfix/master.cf'), master);
      writeFileSync(join(root, 'etc/os-release'), 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n');
      const facts = await readHostFacts(createRealEffects(root));
      expect(facts.postfix.defaultDatabaseType).toBe(sh(`postconf -c ${root}/etc/postfix -h default_database_type`));
      expect(facts.postfix.defaultDatabaseType).toBe('btree');
      expect(facts.postfix.smtpPort).toBe(2525);
      expect(facts.distro).toEqual({ id: 'ubuntu', versionId: '24.04', debianLike: true });
      expect(facts.fqdn).toBe(sh('hostname --fqdn'));
    });
  },
);

describe('readHostFacts with memory effects', () => {
  it('fallbacks: /etc/hostname when hostname fails, hash when Postfix is missing, rsyslog binary', async () => {
    const fail = { command: 'x', exitCode: 127, stdout: '', stderr: 'not found', timedOut: false };
    const fx = createMemoryEffects({
      files: {
        '/etc/hostname': 'box.example.org\n',
        '/usr/sbin/rsyslogd': '',
        '/usr/sbin/logrotate': '',
        '/run/systemd/system/x': '',
        '/proc/net/ipv6_route': '',
      },
      run: () => fail,
    });
    const f = await readHostFacts(fx, { interfaces: {}, osHostname: 'box' });
    expect(f).toEqual({
      fqdn: 'box.example.org',
      hostname: 'box',
      addresses: [],
      postfix: { installed: false, defaultDatabaseType: 'hash', running: false, smtpPort: 25 },
      systemd: true,
      rsyslog: true,
      logrotate: true,
      distro: { id: 'unknown', versionId: '', debianLike: false },
      ipv6DefaultRoute: false,
      // No resolv.conf: the C library asks 127.0.0.1, which (here) never answers the DNSSEC probe.
      tls: {
        lineages: [],
        snakeoil: false,
        caBundle: false,
        resolver: {
          validating: false,
          nameservers: ['127.0.0.1'],
          detail: '127.0.0.1: no answer to the DNSSEC probe within 3 s',
        },
      },
    });
    expect(fx.dnssecProbes).toEqual(['127.0.0.1']);
    const g = await readHostFacts(createMemoryEffects({ run: () => fail }), {
      interfaces: {},
      osHostname: 'k.example',
    });
    expect([g.fqdn, g.hostname, g.logrotate]).toEqual(['k.example', 'k', false]);
  });
});

describe('readPostfixFacts, live with a main.cf: one postconf call, master -t beside it', () => {
  const Q = '/var/spool/postfix';
  const facts = (daemonDirectory: string, configured = true) => {
    const fx = createMemoryEffects({
      files: {
        '/etc/postfix/main.cf': 'myhostname = box.example.org\n',
        '/etc/postfix/master.cf': 'smtp inet n - y - - smtpd\n',
        [`${Q}/pid/master.pid`]: '282\n',
        '/proc/282/comm': 'master\n',
        '/proc/282/status': 'Name:\tmaster\nUid:\t0\t0\t0\t0\n',
      },
      run: (cmd, args) => {
        const r = (exitCode: number, stdout: string) => ({
          command: cmd,
          exitCode,
          stdout,
          stderr: '',
          timedOut: false,
        });
        if (cmd === 'postconf' && args[0] === '-dh') return r(0, '3.7.11\nhash');
        if (cmd === 'postconf' && args.includes('mail_version'))
          return configured ? r(0, `3.7.11\nlmdb\n${daemonDirectory}\n${Q}`) : r(1, '');
        if (cmd === 'postconf') return r(0, 'lmdb');
        if (cmd === 'postfix') return r(0, ''); // postfix status: running
        return r(1, ''); // master -t: the pid file is locked
      },
    });
    return { fx, facts: readPostfixFacts(fx) };
  };
  const asked = (fx: ReturnType<typeof createMemoryEffects>) =>
    fx.calls.map((c) => [c.cmd, ...c.args.slice(0, 3)].join(' '));

  it('the version, table type and directories from postconf -c; master -t from the package directory taken', async () => {
    const { fx, facts: f } = facts('/usr/lib/postfix/sbin');
    expect(await f).toEqual({
      installed: true,
      version: '3.7.11',
      defaultDatabaseType: 'lmdb',
      daemonDirectory: '/usr/lib/postfix/sbin',
      queueDirectory: Q,
      running: true,
      smtpPort: 25,
      deprecated: [],
    });
    expect(asked(fx)).toEqual(['/usr/lib/postfix/sbin/master -t', 'postconf -c /etc/postfix -h']);
  });

  it('another daemon_directory: master -t asked again from there', async () => {
    const { fx, facts: f } = facts('/opt/postfix/libexec');
    expect((await f).running).toBe(true);
    expect(asked(fx)).toEqual([
      '/usr/lib/postfix/sbin/master -t',
      'postconf -c /etc/postfix -h',
      '/opt/postfix/libexec/master -t',
    ]);
  });

  it('postconf -c fails (a main.cf it cannot read): asked as for any box, postconf -d first', async () => {
    const { fx, facts: f } = facts('/usr/lib/postfix/sbin', false);
    const got = await f;
    expect([got.installed, got.version, got.daemonDirectory, got.running]).toEqual([true, '3.7.11', undefined, true]);
    expect(asked(fx)).toEqual([
      '/usr/lib/postfix/sbin/master -t',
      'postconf -c /etc/postfix -h',
      'postconf -dh mail_version default_database_type',
      '/usr/lib/postfix/sbin/master -t',
      'postconf -c /etc/postfix -h',
      'postfix -c /etc/postfix status',
    ]);
  });
});

describe('fact parsers', () => {
  it('networkOf / interfaceAddresses', () => {
    expect(networkOf('192.168.1.77', 24, 4)).toBe('192.168.1.0/24');
    expect(networkOf('10.1.2.3', 8, 4)).toBe('10.0.0.0/8');
    expect(networkOf('2001:db8:1:2::5', 64, 6)).toBe('[2001:db8:1:2::]/64');
    expect(networkOf('fe80::fc:ff:fe00:1', 64, 6)).toBe('[fe80::]/64');
    const list = interfaceAddresses({
      eth0: [
        { address: '203.0.113.9', netmask: '255.255.255.240', family: 'IPv4', mac: '', internal: false, cidr: null },
        {
          address: 'fe80::1',
          netmask: 'ffff:ffff:ffff:ffff::',
          family: 'IPv6',
          mac: '',
          internal: false,
          cidr: 'fe80::1/64',
          scopeid: 2,
        },
      ],
    } as NodeJS.Dict<os.NetworkInterfaceInfo[]>);
    expect(list).toEqual([
      { iface: 'eth0', family: 4, address: '203.0.113.9', prefix: 28, network: '203.0.113.0/28', scope: 'public' },
      { iface: 'eth0', family: 6, address: 'fe80::1', prefix: 64, network: '[fe80::]/64', scope: 'link-local' },
    ]);
  });

  it('addressScope', () => {
    const cases: Array<[string, 4 | 6, string]> = [
      ['127.0.0.1', 4, 'loopback'],
      ['127.9.9.9', 4, 'loopback'],
      ['169.254.3.4', 4, 'link-local'],
      ['10.0.0.1', 4, 'private'],
      ['172.16.5.5', 4, 'private'],
      ['172.32.0.1', 4, 'public'],
      ['192.168.0.1', 4, 'private'],
      ['100.64.0.1', 4, 'private'],
      ['8.8.8.8', 4, 'public'],
      ['192.0.2.2', 4, 'public'],
      ['::1', 6, 'loopback'],
      ['fe80::1', 6, 'link-local'],
      ['fd00::2', 6, 'private'],
      ['fc12::1', 6, 'private'],
      ['2001:4860::8888', 6, 'public'],
      ['::ffff:10.1.1.1', 6, 'private'],
      ['::ffff:8.8.8.8', 6, 'public'],
    ];
    for (const [a, f, s] of cases) expect([a, addressScope(a, f)]).toEqual([a, s]);
  });

  it('smtpPortFromMasterCf', () => {
    const stock = readDebian('master.cf').trimEnd();
    expect(smtpPortFromMasterCf(stock)).toBe(25);
    const line = (svc: string, cmd = 'smtpd'): string => `${svc} inet n - y - - ${cmd}\n`;
    expect(smtpPortFromMasterCf(line('127.0.0.1:smtp'))).toBe(25);
    expect(smtpPortFromMasterCf(line('[::1]:25'))).toBe(25);
    expect(smtpPortFromMasterCf(line('2525'))).toBe(2525);
    expect(smtpPortFromMasterCf(line('submission') + line('10.0.0.1:2526'))).toBe(2526);
    expect(smtpPortFromMasterCf(line('smtp', 'postscreen') + line('smtpd', 'smtpd').replace('inet', 'pass'))).toBe(25);
    expect(smtpPortFromMasterCf(line('submission') + line('smtps'))).toBeUndefined();
    expect(smtpPortFromMasterCf('#smtp inet n - y - - smtpd\npickup unix n - y 60 1 pickup\n')).toBeUndefined();
    expect(smtpPortFromMasterCf('2525 inet n - y - -\n  smtpd\n  -o x=y\n')).toBe(2525);
    expect(smtpPortFromMasterCf(line('smtp', '/usr/lib/postfix/sbin/smtpd'))).toBe(25);
  });

  it('hasIpv6DefaultRoute', () => {
    const z = '0'.repeat(32);
    const row = (dst: string, len: string, flags: string, dev: string): string =>
      `${dst} ${len} ${z} 00 ${z} 00000400 00000001 00000000 ${flags}     ${dev}`;
    expect(hasIpv6DefaultRoute(row(z, '00', '00000003', 'eth0'))).toBe(true);
    expect(hasIpv6DefaultRoute(row(z, '00', '00200200', 'lo'))).toBe(false); // the kernel's reject route
    expect(hasIpv6DefaultRoute(row(z, '00', '00000201', 'eth0'))).toBe(false); // reject flag
    expect(hasIpv6DefaultRoute(row('fd00' + '0'.repeat(28), '40', '00000001', 'eth0'))).toBe(false);
    expect(hasIpv6DefaultRoute('')).toBe(false);
  });

  it('parseOsRelease', () => {
    expect(parseOsRelease('ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n')).toEqual({
      id: 'ubuntu',
      versionId: '22.04',
      debianLike: true,
    });
    expect(parseOsRelease('ID=\'rocky\'\nID_LIKE="rhel centos fedora"\nVERSION_ID=9.3\n')).toEqual({
      id: 'rocky',
      versionId: '9.3',
      debianLike: false,
    });
  });
});

describe('the chroot advice follows the installed package', () => {
  const script = (chroot: boolean) =>
    `case "$1" in\nstart)\n\t;;\n${chroot ? 'chroot) # debian-specific\n\t;;\n' : ''}*)\n\t;;\nesac\n`;

  it("recommendsChrootOff: postfix-script's Debian chroot command, nothing else", async () => {
    const has = (files: Record<string, string>) => recommendsChrootOff(createMemoryEffects({ files }));
    expect(await has({ [POSTFIX_SCRIPT]: script(true) })).toBe(true);
    expect(await has({ [POSTFIX_SCRIPT]: script(false) })).toBe(false);
    expect(await has({ [POSTFIX_SCRIPT]: '# run "postfix chroot off" yourself\n' })).toBe(false);
    expect(await has({})).toBe(false);
  });

  it('readHostFacts carries it only where the package recommends it', async () => {
    const facts = (chroot: boolean) =>
      readHostFacts(createMemoryEffects({ files: { [POSTFIX_SCRIPT]: script(chroot) } }), {
        interfaces: {},
        osHostname: 'box',
      });
    expect((await facts(true)).postfix.recommendsChrootOff).toBe(true);
    expect((await facts(false)).postfix).not.toHaveProperty('recommendsChrootOff');
  });

  const readme = '/usr/share/doc/postfix/README.Debian.gz';
  (existsSync(readme) && existsSync(POSTFIX_SCRIPT) ? it : it.skip)(
    "on this box: exactly where the installed README.Debian recommends 'postfix chroot off'",
    async () => {
      const text = gunzipSync(readFileSync(readme)).toString('utf8').replace(/\s+/g, ' ');
      const recommends = /strongly recommended that you turn off chroot/.test(text);
      expect(await recommendsChrootOff(createRealEffects('/'))).toBe(recommends);
    },
  );
});
