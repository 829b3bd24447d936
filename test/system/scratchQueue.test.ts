/**
 * The private queue of a --root check (src/system/sandbox.ts): made with the directories that
 * `postfix check`'s `post-install create-missing` would make (from the package's postfix-files,
 * src/postfix/postfixFiles.ts), so that the check makes none; checked against what the real
 * create-missing makes in an empty queue.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScratchQueueDirectory } from '../../src/model/host.js';
import { createdDirectories } from '../../src/postfix/postfixFiles.js';
import { readPostfixFacts } from '../../src/system/hostFacts.js';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import {
  DEBIAN_DIRECTORIES,
  openSandboxConfig,
  packageDirectoriesFrom,
  PACKAGE_KEYS,
  scratchQueueLayout,
} from '../../src/system/sandbox.js';
import { needsRoot } from '../helpers/needs.js';
import { describePostfix, tempRoots } from '../helpers/postfix.js';
import { readDebian } from '../helpers/reference.js';

const REPO = join(import.meta.dirname, '..', '..');
const BOOKWORM = readDebian('postfix-files');
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\npostfix:x:104:111::/var/spool/postfix:/usr/sbin/nologin\n';
const GROUP = 'root:x:0:\npostfix:x:111:\npostdrop:x:112:\n';
const OWNERS = { mail_owner: 'postfix', setgid_group: 'postdrop' };
const QUEUES = ['active', 'bounce', 'corrupt', 'defer', 'deferred', 'flush', 'hold', 'incoming'];

describe('postfix-files', () => {
  it("Debian 12's: the directories create-missing makes, as written, in file order", () => {
    const d = (path: string, owner: string, group: string, mode: number) => ({ path, owner, group, mode });
    expect(createdDirectories(BOOKWORM)).toEqual([
      d('$data_directory', '$mail_owner', '', 0o700),
      d('$queue_directory', 'root', '', 0o755),
      ...QUEUES.map((q) => d(`$queue_directory/${q}`, '$mail_owner', '', 0o700)),
      d('$queue_directory/private', '$mail_owner', '', 0o700),
      d('$queue_directory/maildrop', '$mail_owner', '$setgid_group', 0o730),
      d('$queue_directory/public', '$mail_owner', '$setgid_group', 0o710),
      d('$queue_directory/pid', 'root', '', 0o755),
      d('$queue_directory/saved', '$mail_owner', '', 0o700),
      d('$queue_directory/trace', '$mail_owner', '', 0o700),
    ]);
  });

  it('skips comments, files, links, directories without the c flag and obsolete ones; refuses a mode that is not octal', () => {
    const text = [
      '# $queue_directory/x:d:root:-:755:c',
      '$queue_directory/file:f:root:-:644:c',
      '$queue_directory/link:l:root:-:777:c',
      '$config_directory:d:root:-:755:u',
      '$queue_directory/old:d:root:-:755:co',
      'relative/path:d:root:-:755:c',
      '$queue_directory/new:d:root:-:0750:c',
    ].join('\n');
    expect(createdDirectories(text)).toEqual([{ path: '$queue_directory/new', owner: 'root', group: '', mode: 0o750 }]);
    expect(() => createdDirectories('$queue_directory/x:d:root:-:7x5:c\n')).toThrow(
      'postfix-files: $queue_directory/x: mode "7x5" is not octal',
    );
  });
});

describe('scratchQueueLayout', () => {
  it("resolves Debian 12's owners in the host's accounts; the queue's own directory first", () => {
    const layout = scratchQueueLayout([BOOKWORM], OWNERS, PASSWD, GROUP);
    expect(layout?.slice(0, 3)).toEqual([
      { path: 'data', uid: 104, gid: undefined, mode: 0o700 },
      { path: 'queue', uid: 0, gid: undefined, mode: 0o755 },
      { path: 'queue/active', uid: 104, gid: undefined, mode: 0o700 },
    ]);
    expect(layout?.find((d) => d.path === 'queue/maildrop')).toEqual({
      path: 'queue/maildrop',
      uid: 104,
      gid: 112,
      mode: 0o730,
    });
    expect(layout?.map((d) => d.path)).toHaveLength(16);
  });

  it('reads postfix-files.d after the main file; gives up on what it cannot resolve', () => {
    const dropIn = '$queue_directory/extra:d:$mail_owner:-:700:c\n';
    expect(scratchQueueLayout([BOOKWORM, dropIn], OWNERS, PASSWD, GROUP)?.at(-1)).toEqual({
      path: 'queue/extra',
      uid: 104,
      gid: undefined,
      mode: 0o700,
    });
    expect(scratchQueueLayout([BOOKWORM], OWNERS, 'root:x:0:0::/:/bin/sh\n', GROUP)).toBeUndefined(); // no postfix user
    expect(scratchQueueLayout([BOOKWORM], OWNERS, PASSWD, 'root:x:0:\n')).toBeUndefined(); // no postdrop group
    expect(scratchQueueLayout([BOOKWORM], OWNERS, null, null)).toBeUndefined();
    const odd = (line: string) => scratchQueueLayout([`${line}\n`], OWNERS, PASSWD, GROUP);
    expect(odd('$queue_directory/x:d:$other_owner:-:700:c')).toBeUndefined();
    expect(odd('$queue_directory/../x:d:root:-:700:c')).toBeUndefined();
    expect(odd('$queue_directory/a b:d:root:-:700:c')).toBeUndefined();
    expect(odd('$queue_directory/x:d:root:-:7x0:c')).toBeUndefined();
    expect(odd('$config_directory/x:d:root:-:755:c')).toBeUndefined(); // nothing under the copy: no layout
  });
});

describe('openSandboxConfig with a layout (memory effects)', () => {
  const layout: ScratchQueueDirectory[] = [
    { path: 'queue', uid: 0, mode: 0o755 },
    { path: 'queue/maildrop', uid: 104, gid: 112, mode: 0o730 },
  ];
  const files = { '/etc/postfix/master.cf': 'smtp inet n - y - - smtpd\n' };

  it('makes the queue with it; not when the main.cf names its own owners', async () => {
    const fx = createMemoryEffects({ files, root: '/srv/sb' });
    await openSandboxConfig(fx, DEBIAN_DIRECTORIES, { main: 'myhostname = a.example\n' }, layout);
    const made = [...fx.scratch.values()][0];
    expect(made.get('queue/maildrop/')).toBe(JSON.stringify(layout[1]));
    const own = createMemoryEffects({ files, root: '/srv/sb' });
    await openSandboxConfig(own, DEBIAN_DIRECTORIES, { main: 'mail_owner = mailer\n' }, layout);
    expect([...own.scratch.values()][0].has('queue/maildrop/')).toBe(false);
  });

  it('a layout that cannot be made (owners not allowed): a new copy without it, the first one removed', async () => {
    const fx = createMemoryEffects({ files, root: '/srv/sb' });
    const scratchDir = fx.scratchDir.bind(fx);
    let made = 0;
    const refusing = Object.assign(Object.create(fx) as typeof fx, {
      async scratchDir() {
        made++;
        const s = await scratchDir();
        return {
          ...s,
          mkdir: (rel: string, meta?: object) => (meta ? Promise.reject(new Error('EPERM')) : s.mkdir(rel)),
        };
      },
    });
    const copy = await openSandboxConfig(refusing, DEBIAN_DIRECTORIES, { main: '' }, layout);
    expect(made).toBe(2);
    expect(fx.scratch.size).toBe(1);
    const left = fx.scratch.get(copy.config.replace(/\/config$/, ''));
    expect([...(left?.keys() ?? [])].sort()).toEqual(['config/main.cf', 'config/master.cf', 'queue/']);
  });
});

const AS_ROOT = needsRoot('the private queue checks', 'postfix check and chown need root');
const root = tempRoots('mailsetup-scratchq-', 'etc/postfix');

/** Mode, owner, group and change time of every directory under `dir` (relative paths). */
function tree(dir: string): Map<string, { mode: number; uid: number; gid: number; ctimeNs: bigint }> {
  const out = new Map<string, { mode: number; uid: number; gid: number; ctimeNs: bigint }>();
  const walk = (rel: string) => {
    const st = lstatSync(join(dir, rel), { bigint: true });
    out.set(rel, { mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), ctimeNs: st.ctimeNs });
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true }))
      if (e.isDirectory()) walk(rel ? `${rel}/${e.name}` : e.name);
  };
  walk('');
  return out;
}

const withoutTimes = (t: ReturnType<typeof tree>) =>
  Object.fromEntries([...t].map(([k, { mode, uid, gid }]) => [k, { mode, uid, gid }]));

(AS_ROOT ? describePostfix : describe.skip)("the real create-missing's queue", () => {
  it('the layout read from this host is what postfix check makes in an empty queue; with it the check makes nothing', async () => {
    const sb = root();
    const fx = createRealEffects(sb);
    const facts = await readPostfixFacts(fx, createRealEffects('/'));
    const layout = facts.scratchQueue;
    expect(layout?.length).toBeGreaterThan(10);
    const pkg = packageDirectoriesFrom(PACKAGE_KEYS.map((k) => facts.directories?.[k] ?? ''));
    const master = readFileSync(join(REPO, 'templates/master.cf'), 'utf8');
    const planned = { main: 'compatibility_level = 3.6\n', master };

    const check = (config: string) => spawnSync('postfix', ['-c', config, 'check'], { encoding: 'utf8' });
    const bare = await openSandboxConfig(fx, pkg, planned);
    const made = await openSandboxConfig(fx, pkg, planned, layout);
    try {
      const scratch = (c: { config: string }) => join(c.config, '..');
      expect(readdirSync(join(scratch(bare), 'queue'))).toEqual([]);
      const before = tree(scratch(made));
      const [a, b] = [check(bare.config), check(made.config)];
      expect([a.status, a.stderr], a.stderr).toEqual([0, '']);
      expect([b.status, b.stderr], b.stderr).toEqual([0, '']);
      const after = tree(scratch(made));
      // The same directories with the same owners and modes as create-missing's own ...
      expect(withoutTimes(after)).toEqual(withoutTimes(tree(scratch(bare))));
      // ... and the check changed none of them (no mkdir, chown or chmod: the same change times).
      // What it may add is not create-missing's: Debian 13's check copies the chroot's files into
      // the queue (etc/, usr/lib/sasl2/), which changes the change time of the queue directory.
      const added = [...after.keys()].filter((k) => !before.has(k));
      expect(added.filter((k) => layout?.some((d) => d.path === k))).toEqual([]);
      const grew = new Set(added.map((k) => k.slice(0, Math.max(0, k.lastIndexOf('/')))));
      for (const [k, was] of before) {
        const now = after.get(k);
        if (grew.has(k)) expect({ ...now, ctimeNs: 0n }, k).toEqual({ ...was, ctimeNs: 0n });
        else expect(now, k).toEqual(was);
      }
      if (facts.version?.startsWith('3.7.')) expect(added).toEqual([]); // Debian 12: nothing at all
    } finally {
      await bare.remove();
      await made.remove();
    }
  });
});
