/**
 * Host probes. Network probes only ever touch 127.0.0.1 (a listening server, a closed port, a
 * listener whose accept queue is full so SYNs go unanswered) and the limited broadcast address,
 * which the kernel refuses for TCP before any packet leaves (ENETUNREACH).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fqdnSanity,
  ipv6Status,
  loggingStatus,
  natAdvice,
  natStatus,
  outbound25,
  outboundAdvice,
  probeSummary,
  probeTcp,
  runProbes,
  saslModules,
  verdictOfError,
} from '../../src/system/probes.js';
import { roleModule } from '../../src/roles/index.js';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import type { HostAddress, HostFacts } from '../../src/model/host.js';
import { fakeHost } from '../helpers/host.js';
import { closedPort } from '../helpers/ports.js';
import { cleanup } from '../helpers/postfix.js';
import { stubBin } from '../helpers/system-fixture.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listening(): Promise<number> {
  const server: Server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

/**
 * A port whose SYNs go unanswered: a perl listener with backlog 0 that never accepts, its queue
 * filled by held connections (Linux drops SYNs for a listener whose accept queue is full).
 */
async function silentPort(): Promise<number> {
  const p: ChildProcess = spawn('perl', [
    '-MSocket',
    '-e',
    'socket(S,PF_INET,SOCK_STREAM,0) or die; bind(S, sockaddr_in(0, INADDR_LOOPBACK)) or die; listen(S,0) or die; ' +
      'my ($port) = sockaddr_in(getsockname(S)); $| = 1; print "$port\\n"; sleep 60;',
  ]);
  const held: Socket[] = [];
  cleanups.push(() => {
    held.forEach((s) => s.destroy());
    p.kill();
  });
  const port = await new Promise<number>((resolve, reject) => {
    p.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    p.once('error', reject);
  });
  for (let i = 0; i < 8; i++) {
    const filled = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      held.push(s);
      s.on('error', () => undefined);
      const t = setTimeout(() => resolve(true), 300);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    if (filled) return port;
  }
  throw new Error('could not fill the accept queue of the silent listener');
}

const addr = (iface: string, family: 4 | 6, address: string, scope: HostAddress['scope']): HostAddress => ({
  iface,
  family,
  address,
  prefix: family === 4 ? 24 : 64,
  network: family === 4 ? `${address}/24` : `[${address}]/64`,
  scope,
});

/** The machine's own TCP and DNS: these probes only ever reach loopback and 255.255.255.255. */
const live = createRealEffects('/');

describe('probeTcp', () => {
  it('open, refused, timeout (bounded), unreachable', async () => {
    expect(await probeTcp(live, '127.0.0.1', await listening(), 2_000)).toBe('open');
    expect(await probeTcp(live, '127.0.0.1', await closedPort(), 2_000)).toBe('refused');
    const silent = await silentPort();
    const t0 = Date.now();
    expect(await probeTcp(live, '127.0.0.1', silent, 400)).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(await probeTcp(live, '255.255.255.255', 25, 2_000)).toBe('unreachable');
  });

  it('maps connect errors to verdicts', () => {
    expect(verdictOfError('ECONNREFUSED')).toBe('refused');
    expect(verdictOfError('ETIMEDOUT')).toBe('timeout');
    for (const c of ['EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL', undefined])
      expect(verdictOfError(c)).toBe('unreachable');
  });
});

describe('outbound25', () => {
  it('probes nothing without a target', async () => {
    expect(await outbound25(live, undefined)).toBeNull();
    expect(await outbound25(live, '  ')).toBeNull();
  });

  it('connects to the named relay host on its port', async () => {
    const port = await listening();
    expect(await outbound25(live, `[127.0.0.1]:${port}`, { timeoutMs: 2_000 })).toEqual({
      target: `[127.0.0.1]:${port}`,
      host: '127.0.0.1',
      port,
      verdict: 'open',
      advice: null,
    });
    const closed = await closedPort();
    expect(await outbound25(live, `[127.0.0.1]:${closed}`, { timeoutMs: 2_000 })).toEqual({
      target: `[127.0.0.1]:${closed}`,
      host: '127.0.0.1',
      port: closed,
      verdict: 'refused',
      advice: `127.0.0.1 port ${closed} refused the connection: nothing listens there, or a firewall rejects it`,
    });
  });

  it('a destination that does not answer: timeout with advice', async () => {
    const port = await silentPort();
    const r = await outbound25(live, `[127.0.0.1]:${port}`, { timeoutMs: 500 });
    expect(r?.verdict).toBe('timeout');
    expect(r?.advice).toBe(`no answer from 127.0.0.1 port ${port} within 0.5 s: a firewall may drop the connection`);
  });

  it('an unbracketed name goes to its best MX; port 25 by default', async () => {
    const asked: string[] = [];
    // The machine's TCP, with the MX answer scripted.
    const fx = {
      connect: live.connect,
      resolveMx: async (n: string) => {
        asked.push(n);
        return [
          { exchange: 'mx2.example.test', priority: 20 },
          { exchange: '255.255.255.255', priority: 5 },
        ];
      },
    };
    const r = await outbound25(fx, 'example.test', { timeoutMs: 1_000 });
    expect(asked).toEqual(['example.test']);
    expect(r).toEqual({
      target: 'example.test',
      host: '255.255.255.255',
      port: 25,
      verdict: 'unreachable',
      advice: '255.255.255.255 is unreachable from here (no route, or the name does not resolve)',
    });
  });

  it('refuses what it cannot probe', async () => {
    await expect(outbound25(live, '[smtp.example.test]:imap')).rejects.toThrow(
      'outbound probe: unknown service "imap": write the port number',
    );
    await expect(outbound25(live, '$relayhost')).rejects.toThrow(
      'outbound probe: "$relayhost" refers to a parameter: give a host name',
    );
    await expect(outbound25(live, 'a,b')).rejects.toThrow(
      '"a,b" is not a valid relay host: it contains "," (give a single destination)',
    );
  });

  it('advice for port 25', () => {
    expect(outboundAdvice('mx.example.org', 25, 'timeout', 5_000)).toBe(
      'port 25 looks blocked: no answer from mx.example.org port 25 within 5 s (many ' +
        'cloud and home providers block outgoing port 25): use a smart host on 587 or 465',
    );
    expect(outboundAdvice('mx.example.org', 25, 'refused', 5_000)).toBe(
      'mx.example.org port 25 refused the connection: nothing listens there, or a firewall ' +
        'rejects it; if your provider blocks port 25, use a smart host on 587 or 465',
    );
    expect(outboundAdvice('mx.example.org', 25, 'open', 5_000)).toBeNull();
  });
});

describe('natStatus, ipv6Status', () => {
  const lo = [addr('lo', 4, '127.0.0.1', 'loopback'), addr('lo', 6, '::1', 'loopback')];
  it('public when an interface has a public IPv4 address', () => {
    const pub = fakeHost({ addresses: [...lo, addr('eth0', 4, '203.0.113.7', 'public')] });
    expect(natStatus(pub)).toBe('public');
    expect(natAdvice(pub, roleModule('backup-mx').mx !== null)).toBeNull();
  });
  it('private-only behind NAT (a public IPv6 address does not change that); advice for receiving roles only', () => {
    const nat = fakeHost({
      addresses: [...lo, addr('eth0', 4, '192.168.1.20', 'private'), addr('eth0', 6, '2001:db8::20', 'public')],
    });
    expect(natStatus(nat)).toBe('private-only');
    expect(natAdvice(nat, roleModule('mail-server').mx !== null)).toBe(
      'this host has only private IPv4 addresses (NAT): give its public address in proxy_interfaces, so Postfix knows mail for it is local and does not loop',
    );
    expect(natAdvice(nat, roleModule('backup-mx').mx !== null)).not.toBeNull();
    expect(natAdvice(nat, roleModule('null-client').mx !== null)).toBeNull();
    expect(natAdvice(nat, roleModule('firewall-relay').mx !== null)).toBeNull();
  });
  it('IPv6: route and global address, or advice for inet_protocols = ipv4 with stop/start', () => {
    const good = fakeHost({ ipv6DefaultRoute: true, addresses: [...lo, addr('eth0', 6, '2001:db8::5', 'public')] });
    expect(ipv6Status(good)).toEqual({ defaultRoute: true, globalAddress: true, advice: null });
    const noRoute = fakeHost({ ipv6DefaultRoute: false, addresses: [...lo, addr('eth0', 6, 'fd00::5', 'private')] });
    expect(ipv6Status(noRoute)).toEqual({
      defaultRoute: false,
      globalAddress: false,
      advice:
        'no IPv6 default route: use inet_protocols = ipv4, or Postfix tries IPv6 addresses of other servers and ' +
        'logs "Network is unreachable"; Postfix must be stopped and started for this (a reload is not enough)',
    });
    const ulaOnly = fakeHost({ ipv6DefaultRoute: true, addresses: [...lo, addr('eth0', 6, 'fd00::5', 'private')] });
    expect(ipv6Status(ulaOnly).advice).toBe(
      'an IPv6 route but no global IPv6 address: use inet_protocols = ipv4 unless your provider routes ' +
        'your IPv6 addresses; Postfix must be stopped and started for this (a reload is not enough)',
    );
  });
});

describe('fqdnSanity', () => {
  it('accepts a fully qualified name', () => {
    expect(fqdnSanity('mail.example.com')).toEqual([]);
  });
  it('names each problem', () => {
    expect(fqdnSanity('vm')).toEqual([
      '"vm" has no dot: mail servers need a fully qualified name, e.g. vm.example.com',
    ]);
    expect(fqdnSanity('localhost')).toEqual([
      '"localhost" has no dot: mail servers need a fully qualified name, e.g. localhost.example.com',
      '"localhost" is localhost: other servers cannot reach or greet it by that name',
    ]);
    expect(fqdnSanity('localhost.localdomain')).toEqual([
      '"localhost.localdomain" is localhost: other servers cannot reach or greet it by that name',
      '"localhost.localdomain" ends in .localdomain: that is no real domain; other servers reject mail from it',
    ]);
    expect(fqdnSanity('box.localdomain')).toEqual([
      '"box.localdomain" ends in .localdomain: that is no real domain; other servers reject mail from it',
    ]);
    expect(fqdnSanity('mail.example.com.')).toEqual([
      '"mail.example.com." ends with a dot: write it without the trailing dot',
    ]);
    expect(fqdnSanity('')).toEqual([
      'the host name is empty: give the name other mail servers know this host by, e.g. mail.example.com',
    ]);
  });
});

describe('loggingStatus, saslModules', () => {
  it('syslog when rsyslogd exists, else the postlog file', async () => {
    const withRsyslog = createMemoryEffects({ files: { '/usr/sbin/rsyslogd': '' } });
    expect(await loggingStatus(withRsyslog)).toEqual({
      rsyslog: true,
      logging: 'syslog',
      advice: 'rsyslog is installed: Postfix logs through syslog to /var/log/mail.log',
    });
    const without = await loggingStatus(createMemoryEffects());
    expect(without.logging).toBe('file');
    expect(without.advice).toBe(
      'no rsyslog here: Postfix logs to its own file, maillog_file = /var/log/postfix.log, ' +
        'written by the postlog service in master.cf; rotate it with "postfix logrotate"',
    );
  });

  it('libsasl2-modules: the real dpkg database on this machine', async () => {
    const fx = createRealEffects('/');
    const real = (await fx.run('dpkg-query', ['-W', '-f=${Status}', 'libsasl2-modules'])).stdout;
    expect(await saslModules(fx)).toBe(/install ok installed/.test(real));
  });

  it('libsasl2-modules: removed-but-configured, absent, and no dpkg at all', async () => {
    const half = stubBin({ 'dpkg-query': { stdout: 'deinstall ok config-files' } });
    const unknown = stubBin({
      'dpkg-query': { body: 'echo "dpkg-query: no packages found matching libsasl2-modules" >&2; exit 1' },
    });
    cleanups.push(
      () => cleanup(half.dir),
      () => cleanup(unknown.dir),
    );
    expect(await saslModules(createRealEffects('/', { env: { PATH: `${half.dir}:${process.env.PATH ?? ''}` } }))).toBe(
      false,
    );
    expect(half.calls()).toEqual(['dpkg-query -W -f=${Status} libsasl2-modules']);
    expect(
      await saslModules(createRealEffects('/', { env: { PATH: `${unknown.dir}:${process.env.PATH ?? ''}` } })),
    ).toBe(false);
    const noDpkg = createMemoryEffects({
      run: (cmd) => ({ command: cmd, exitCode: 127, stdout: '', stderr: `${cmd}: command not found`, timedOut: false }),
    });
    expect(await saslModules(noDpkg)).toBeNull();
  });
});

describe('probeSummary', () => {
  it('lines for the first screen', async () => {
    const host: HostFacts = fakeHost({
      fqdn: 'vm',
      ipv6DefaultRoute: false,
      addresses: [addr('lo', 4, '127.0.0.1', 'loopback'), addr('eth0', 4, '192.168.10.5', 'private')],
    });
    const port = await closedPort();
    const fx = createMemoryEffects({
      run: (cmd) => ({ command: cmd, exitCode: 0, stdout: 'deinstall ok config-files', stderr: '', timedOut: false }),
    });
    const p = await runProbes(fx, host, {
      isMx: roleModule('mail-server').mx !== null,
      target: `[127.0.0.1]:${port}`,
      sasl: true,
      timeoutMs: 2_000,
    });
    expect(probeSummary(p)).toEqual([
      'Host name: vm: "vm" has no dot: mail servers need a fully qualified name, e.g. vm.example.com',
      'Only private IPv4 addresses (192.168.10.5): behind NAT',
      '  → this host has only private IPv4 addresses (NAT): give its public address ' +
        'in proxy_interfaces, so Postfix knows mail for it is local and does not loop',
      'IPv6: no default route, no global address',
      '  → no IPv6 default route: use inet_protocols = ipv4, or Postfix tries IPv6 addresses of other servers ' +
        'and logs "Network is unreachable"; Postfix must be stopped and started for this (a reload is not enough)',
      'Logging: no rsyslog here: Postfix logs to its own file, maillog_file = /var/log/postfix.log, ' +
        'written by the postlog service in master.cf; rotate it with "postfix logrotate"',
      `Outgoing to [127.0.0.1]:${port} (127.0.0.1) port ${port}: refused`,
      `  → 127.0.0.1 port ${port} refused the connection: nothing listens there, or a firewall rejects it`,
      'SASL: libsasl2-modules is not installed: the smart host login needs it (apt-get install libsasl2-modules)',
      'Map type: hash',
    ]);
  });

  it('a healthy public host without a named target probes no network', async () => {
    const host = fakeHost({
      ipv6DefaultRoute: true,
      addresses: [
        addr('lo', 4, '127.0.0.1', 'loopback'),
        addr('eth0', 4, '203.0.113.7', 'public'),
        addr('eth0', 6, '2001:db8::7', 'public'),
      ],
    });
    const fx = createMemoryEffects({ files: { '/usr/sbin/rsyslogd': '' } });
    const p = await runProbes(fx, host, { isMx: roleModule('backup-mx').mx !== null });
    expect(p.outbound).toBeNull();
    expect(fx.calls).toEqual([]);
    expect(probeSummary(p)).toEqual([
      'Host name: mx.example.com',
      'Public IPv4 address: 203.0.113.7',
      'IPv6: default route and a global address',
      'Logging: rsyslog is installed: Postfix logs through syslog to /var/log/mail.log',
      'Map type: hash',
    ]);
  });
});
