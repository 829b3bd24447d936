/**
 * Fixtures for the src/system tests: a --root sandbox made of Debian bookworm's real files, a
 * realistic plan (main.cf + master.cf + aliases + a new transport map, postmap, newaliases,
 * postfix check, reload, syslog restart), byte-exact snapshots, and stand-in programs on PATH.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Action, FileChange, Plan } from '../../src/model/plan.js';
import type { Effects } from '../../src/model/effects.js';
import type { HostFacts } from '../../src/model/host.js';
import { fakeHost } from './host.js';
import { debianPath, readDebian } from './reference.js';
import { settle } from './settled.js';

/** A fresh temporary directory (this module must not import vitest: system-child.ts uses it). */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const POSTFIX_UID = Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim());
const POSTFIX_GID = Number(execFileSync('id', ['-g', 'postfix'], { encoding: 'utf8' }).trim());
export const NOBODY_UID = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
export const NOGROUP_GID = Number(execFileSync('getent', ['group', 'nogroup'], { encoding: 'utf8' }).split(':')[2]);

/** Host facts for tests: a non-systemd Debian 12 box without rsyslog, Postfix installed, not running. */
export function testHost(over: Partial<HostFacts> = {}): HostFacts {
  return fakeHost({
    fqdn: 'mail.example.com',
    hostname: 'mail',
    addresses: [],
    postfix: { installed: true, version: '3.7.11', defaultDatabaseType: 'hash', running: false, smtpPort: 25 },
    systemd: false,
    rsyslog: false,
    distro: { id: 'debian', versionId: '12', debianLike: true },
    ipv6DefaultRoute: false,
    ...over,
  });
}

/**
 * A sandbox root: etc/postfix/{main.cf,master.cf} and etc/aliases from Debian bookworm, a queue
 * and data directory inside the sandbox (main.cf points there, so postfix check never looks at
 * the real /var/spool/postfix), aliases.db built, master.cf root:postfix 0640, main.cf
 * nobody:nogroup 0640. Returns the root (mode 0755).
 */
export function makeSandbox(): string {
  const root = tempDir('mailsetup-sys-');
  chmodSync(root, 0o755);
  const etc = join(root, 'etc');
  mkdirSync(join(etc, 'postfix'), { recursive: true });
  mkdirSync(join(root, 'var/spool/postfix'), { recursive: true });
  mkdirSync(join(root, 'var/lib/postfix'), { recursive: true });
  chownSync(join(root, 'var/lib/postfix'), POSTFIX_UID, POSTFIX_GID);
  const main = `${readDebian('main.cf.debian')}
queue_directory = ${root}/var/spool/postfix
data_directory = ${root}/var/lib/postfix
`;
  writeFileSync(join(etc, 'postfix/main.cf'), main);
  chownSync(join(etc, 'postfix/main.cf'), NOBODY_UID, NOGROUP_GID);
  chmodSync(join(etc, 'postfix/main.cf'), 0o640);
  // A finished fixture, dated a minute back (helpers/settled.ts): postalias below, and the Postfix
  // tools of the apply under test, do not wait up to 2 s for a just-written main.cf to settle.
  settle(join(etc, 'postfix/main.cf'));
  copyFileSync(debianPath('master.cf'), join(etc, 'postfix/master.cf'));
  chownSync(join(etc, 'postfix/master.cf'), 0, POSTFIX_GID);
  chmodSync(join(etc, 'postfix/master.cf'), 0o640);
  copyFileSync(debianPath('aliases'), join(etc, 'aliases'));
  chmodSync(join(etc, 'aliases'), 0o644);
  execFileSync('postalias', ['-c', join(etc, 'postfix'), `hash:${join(etc, 'aliases')}`]);
  return root;
}

export const TRANSPORT = 'example.com smtp:[relay.example.net]\n.example.com smtp:[relay.example.net]\n';

/** The files and the actions of the realistic plan, given the current contents. */
export function realisticChanges(
  main: string,
  master: string,
  aliases: string,
): { files: FileChange[]; actions: Action[] } {
  const smtpLine = 'smtp      inet  n       -       y       -       -       smtpd';
  if (!master.includes(smtpLine)) throw new Error('fixture: master.cf has no stock smtp line');
  return {
    files: [
      {
        path: '/etc/postfix/main.cf',
        before: main,
        after:
          `${main}myhostname = mail.example.com\ntransport_maps = hash:/etc/postfix/transport\n` +
          'alias_maps = hash:/etc/aliases\nalias_database = hash:/etc/aliases\n',
        description: 'Postfix main configuration',
      },
      {
        path: '/etc/postfix/master.cf',
        before: master,
        after: master.replace(smtpLine, 'smtp      inet  n       -       n       -       -       smtpd'),
        description: 'Postfix services',
      },
      {
        path: '/etc/aliases',
        before: aliases,
        after: `${aliases}root:          admin@example.com\n`,
        description: 'aliases',
      },
      { path: '/etc/postfix/transport', before: null, after: TRANSPORT, mode: 0o644, description: 'transport map' },
    ],
    actions: [
      { kind: 'postmap', map: 'hash:/etc/postfix/transport', path: '/etc/postfix/transport' },
      { kind: 'newaliases', path: '/etc/aliases' },
      { kind: 'postfix-check' },
      { kind: 'reload' },
      { kind: 'syslog-restart', reason: 'the chroot log socket' },
    ],
  };
}

/** Wrap files and actions into a Plan. */
export function planOf(files: FileChange[], actions: Action[]): Plan {
  return { role: 'mail-server', answers: { role: 'mail-server' }, files, actions, params: [], findings: [], drift: [] };
}

/** The realistic plan against the sandbox's current files. */
export async function realisticPlan(fx: Effects): Promise<Plan> {
  const main = await fx.readFile('/etc/postfix/main.cf');
  const master = await fx.readFile('/etc/postfix/master.cf');
  const aliases = await fx.readFile('/etc/aliases');
  if (main === null || master === null || aliases === null) throw new Error('fixture: sandbox incomplete');
  const c = realisticChanges(main, master, aliases);
  return planOf(c.files, c.actions);
}

/** The step ids of the realistic plan, in order. */
export const REALISTIC_STEPS = [
  'lock',
  'backup',
  'write:/etc/postfix/main.cf',
  'write:/etc/postfix/master.cf',
  'write:/etc/aliases',
  'write:/etc/postfix/transport',
  'action:postmap:/etc/postfix/transport',
  'action:newaliases:/etc/aliases',
  'action:postfix-check',
  'action:reload',
  'action:syslog-restart',
  'manifest',
];

/** Files whose bytes, mode and owner a snapshot records. */
export const SNAPSHOT_PATHS = [
  'etc/postfix/main.cf',
  'etc/postfix/master.cf',
  'etc/aliases',
  'etc/postfix/transport',
  'etc/postfix/transport.db',
  'etc/aliases.db',
];

export type Snapshot = Record<string, { hex: string; mode: number; uid: number; gid: number; ino: number } | 'absent'>;

/** Exact bytes (hex), mode, owner and inode of each path under root; 'absent' when missing. */
export function snapshot(root: string, paths = SNAPSHOT_PATHS): Snapshot {
  const out: Snapshot = {};
  for (const p of paths) {
    const full = join(root, p);
    if (!existsSync(full)) {
      out[p] = 'absent';
      continue;
    }
    const st = lstatSync(full);
    out[p] = { hex: readFileSync(full).toString('hex'), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, ino: st.ino };
  }
  return out;
}

/** A snapshot without inode numbers (a restored file is a new inode). */
export function withoutInodes(s: Snapshot): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(s).map(([k, v]) => [k, v === 'absent' ? v : { hex: v.hex, mode: v.mode, uid: v.uid, gid: v.gid }]),
  );
}

/** `postmap -s` dump of a table (sorted, without postalias's YP_ and @ bookkeeping entries). */
export function dumpTable(root: string, map: string): string[] {
  return execFileSync('postmap', ['-c', join(root, 'etc/postfix'), '-s', map], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l !== '' && !/^(YP_[A-Z_]+|@)\t/.test(l))
    .sort();
}

/** Names of temporary files (.*.mailsetup-*) left in the sandbox's config directories. */
export function leftoverTemps(root: string): string[] {
  const out: string[] = [];
  for (const d of ['etc', 'etc/postfix']) {
    for (const n of readdirSync(join(root, d))) if (n.includes('.mailsetup-')) out.push(`${d}/${n}`);
  }
  return out;
}

/**
 * A directory of stand-in programs: each named program appends "<name> <args…>" (and selected
 * env variables) to calls.log in the directory, prints `stdout`, then runs `body` (shell) or
 * exits with `exit` (default 0). debconf-set-selections also logs its standard input.
 */
export function stubBin(programs: Record<string, { exit?: number; stdout?: string; env?: string[]; body?: string }>): {
  dir: string;
  calls: () => string[];
} {
  const dir = tempDir('mailsetup-stub-');
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  for (const [name, p] of Object.entries(programs)) {
    const envPart = (p.env ?? []).map((v) => ` ${v}=\${${v}-}`).join('');
    const readInput = name === 'debconf-set-selections' ? `cat >> '${log}'\n` : '';
    const print = p.stdout !== undefined ? `printf '%s' '${p.stdout.replace(/'/g, `'\\''`)}'\n` : '';
    const script = `#!/bin/sh
printf '%s\\n' "${name}$(for a in "$@"; do printf ' %s' "$a"; done)${envPart}" >> '${log}'
${readInput}${print}${p.body ?? `exit ${p.exit ?? 0}`}
`;
    writeFileSync(join(dir, name), script, { mode: 0o755 });
  }
  return { dir, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}
