/** Host facts and file fixtures for planner tests (no machine needed). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Templates } from '../../src/plan/plan.js';
import type { Plan } from '../../src/model/plan.js';
import type { HostFacts } from '../../src/model/host.js';
import type { CommandResult } from '../../src/model/effects.js';
import { createMemoryEffects, okResult, type MemoryEffects } from '../../src/system/memoryEffects.js';
import { readDebian } from './reference.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');

export function templates(): Templates {
  const read = (n: string) => readFileSync(join(TEMPLATES, n), 'utf8');
  return {
    mainCf: read('main.cf'),
    masterCf: read('master.cf'),
    aliases: read('aliases'),
    rsyslog: read('rsyslog-postfix.conf'),
  };
}

/** A Debian/Ubuntu host with a private LAN address, working IPv6, Postfix installed and running. */
export function fakeHost(over: Partial<HostFacts> = {}): HostFacts {
  return {
    fqdn: 'mx.example.com',
    hostname: 'mx',
    addresses: [
      { iface: 'lo', family: 4, address: '127.0.0.1', prefix: 8, network: '127.0.0.0/8', scope: 'loopback' },
      { iface: 'lo', family: 6, address: '::1', prefix: 128, network: '[::1]/128', scope: 'loopback' },
      { iface: 'eth0', family: 4, address: '192.168.10.5', prefix: 24, network: '192.168.10.0/24', scope: 'private' },
      { iface: 'eth0', family: 6, address: 'fd00::5', prefix: 64, network: '[fd00::]/64', scope: 'private' },
      // A global address with the default route: IPv6 works here (inet_protocols = all).
      { iface: 'eth0', family: 6, address: '2001:db8::5', prefix: 64, network: '[2001:db8::]/64', scope: 'public' },
    ],
    postfix: { installed: true, version: '3.7.11', defaultDatabaseType: 'hash', running: true, smtpPort: 25 },
    systemd: true,
    rsyslog: true,
    distro: { id: 'ubuntu', versionId: '24.04', debianLike: true },
    ipv6DefaultRoute: true,
    ...over,
  };
}

/** The files of a fresh box after `apt-get install postfix` with "No configuration". */
export function freshFiles(): Record<string, string | null> {
  return {
    '/etc/postfix/master.cf': readDebian('master.cf'),
    '/etc/aliases': readDebian('aliases'),
    '/etc/rsyslog.d/postfix.conf': readDebian('rsyslog.d/postfix.conf'),
  };
}

/** Answers of a null client relaying through [smtp.example.net] (an answers file's text). */
export const NULL_CLIENT_ANSWERS = [
  'role: null-client',
  'myhostname: host.example.com',
  'relayhost: "[smtp.example.net]"',
  'postmaster: admin@example.net',
  '',
].join('\n');

/**
 * The in-memory Effects of a live Debian box with Postfix installed and not configured
 * (freshFiles), named host.example.com, Postfix 3.7.11, every package installed: `stdin` holds the
 * answers (`--answers -`), `files` are added (or replace the fresh ones), and every command succeeds.
 */
export function memoryDebianBox(stdin: string, files: Record<string, string> = {}): MemoryEffects {
  const fresh: Record<string, string> = {};
  for (const [p, t] of Object.entries(freshFiles())) if (t !== null) fresh[p] = t;
  return createMemoryEffects({
    stdin,
    files: { ...fresh, '/etc/hostname': 'host.example.com\n', '/etc/os-release': 'ID=debian\n', ...files },
    run(cmd, args): CommandResult {
      if (cmd === 'hostname') return { ...okResult(cmd, args), stdout: 'host.example.com\n' };
      if (cmd === 'postconf' && args[0] === '-dh' && args[1] === 'mail_version')
        return { ...okResult(cmd, args), stdout: '3.7.11\n' };
      if (cmd === 'dpkg-query') return { ...okResult(cmd, args), stdout: 'install ok installed' };
      return okResult(cmd, args);
    },
  });
}

/** The files after a plan was applied (what apply() would leave). */
export function afterPlan(files: Record<string, string | null>, plan: Plan): Record<string, string | null> {
  const out = { ...files };
  for (const f of plan.files) out[f.path] = f.after;
  return out;
}
