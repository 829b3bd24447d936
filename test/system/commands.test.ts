import { describe, expect, it } from 'vitest';
import { describeAction } from '../../src/model/plan.js';
import type { Action } from '../../src/model/plan.js';
import {
  actionCommands,
  commandLine,
  derivedFiles,
  mapType,
  type ActionCommands,
  type CommandContext,
  postInstallSyncsChroot,
  postfixNeedsTty,
  rsyslogInForeground,
  type ServiceState,
} from '../../src/system/commands.js';

const live = (over: Partial<CommandContext> = {}): CommandContext => ({
  live: true,
  resolve: (p) => p,
  defaultDatabaseType: 'hash',
  systemd: false,
  rsyslog: true,
  ...over,
});
const sandbox = (over: Partial<CommandContext> = {}): CommandContext => ({
  live: false,
  resolve: (p) => `/tmp/sb${p}`,
  defaultDatabaseType: 'hash',
  systemd: false,
  rsyslog: true,
  ...over,
});
const RSYSLOGD = { pid: 321, argv: ['/usr/sbin/rsyslogd'], root: true };
const state = (over: Partial<ServiceState> = {}): ServiceState => ({
  postfixRunning: true,
  chrootSync: 'configure-instance',
  rsyslogd: RSYSLOGD,
  rsyslogInitScript: true,
  rsyslogBinary: '/usr/sbin/rsyslogd',
  ...over,
});
/** The command lines (with env) of an action, or "skip: reason". */
function lines(ac: ActionCommands): string[] {
  if ('skip' in ac) return [`skip: ${ac.skip}`];
  return ac.run.map(
    (c) =>
      `${
        c.env
          ? Object.entries(c.env)
              .map(([k, v]) => `${k}=${v} `)
              .join('')
          : ''
      }${commandLine(c.cmd, c.args)}${c.tty ? ' [tty]' : ''}${c.background ? ' &' : ''}`,
  );
}

const postmap: Action = { kind: 'postmap', map: 'hash:/etc/postfix/transport', path: '/etc/postfix/transport' };
const newaliases: Action = { kind: 'newaliases', path: '/etc/aliases' };

describe('actionCommands', () => {
  it('postmap: -c <cfgdir> <type>:<resolved path>, live and sandbox; type from the map or the host', () => {
    expect(lines(actionCommands(postmap, live(), state()))).toEqual([
      'postmap -c /etc/postfix hash:/etc/postfix/transport',
    ]);
    expect(lines(actionCommands(postmap, sandbox(), state()))).toEqual([
      'postmap -c /tmp/sb/etc/postfix hash:/tmp/sb/etc/postfix/transport',
    ]);
    const lmdb = sandbox({ defaultDatabaseType: 'lmdb' });
    expect(lines(actionCommands({ ...postmap, map: '/etc/postfix/transport' }, lmdb, state()))).toEqual([
      'postmap -c /tmp/sb/etc/postfix lmdb:/tmp/sb/etc/postfix/transport',
    ]);
    expect(
      lines(actionCommands({ ...postmap, map: '${default_database_type}:/etc/postfix/transport' }, lmdb, state())),
    ).toEqual(['postmap -c /tmp/sb/etc/postfix lmdb:/tmp/sb/etc/postfix/transport']);
    expect(lines(actionCommands({ ...postmap, map: 'cdb:/etc/postfix/transport' }, lmdb, state()))).toEqual([
      'postmap -c /tmp/sb/etc/postfix cdb:/tmp/sb/etc/postfix/transport',
    ]);
    expect(lines(actionCommands({ ...postmap, map: 'texthash:/etc/postfix/transport' }, live(), state()))).toEqual([
      'skip: texthash: tables are read as text; no postmap needed',
    ]);
  });

  it('newaliases: live `newaliases`, sandbox postalias -c', () => {
    expect(lines(actionCommands(newaliases, live(), state()))).toEqual(['newaliases [tty]']);
    expect(lines(actionCommands(newaliases, sandbox({ defaultDatabaseType: 'lmdb' }), state()))).toEqual([
      'postalias -c /tmp/sb/etc/postfix lmdb:/tmp/sb/etc/aliases',
    ]);
  });

  it('postfix check, in both modes, under a terminal', () => {
    expect(lines(actionCommands({ kind: 'postfix-check' }, live(), state()))).toEqual([
      'postfix -c /etc/postfix check [tty]',
    ]);
    expect(lines(actionCommands({ kind: 'postfix-check' }, sandbox(), state()))).toEqual([
      'postfix -c /tmp/sb/etc/postfix check [tty]',
    ]);
  });

  it('with a stage: the read-only tools read it, start and stop keep the real directory, systemd is unchanged', () => {
    const S = '/etc/.postfix.mailsetup-stage';
    const staged = live({ stage: S });
    expect(lines(actionCommands(postmap, staged, state()))).toEqual([`postmap -c ${S} hash:/etc/postfix/transport`]);
    expect(lines(actionCommands(newaliases, staged, state()))).toEqual([`newaliases -C ${S} [tty]`]);
    expect(lines(actionCommands({ kind: 'postfix-check' }, staged, state()))).toEqual([`postfix -c ${S} check [tty]`]);
    expect(lines(actionCommands({ kind: 'reload' }, staged, state()))).toEqual([`postfix -c ${S} reload [tty]`]);
    // master must run with /etc/postfix, never with the stage
    expect(lines(actionCommands({ kind: 'reload' }, staged, state({ postfixRunning: false })))).toEqual([
      '/usr/lib/postfix/configure-instance.sh -',
      'postfix start [tty]',
    ]);
    expect(lines(actionCommands({ kind: 'restart', reason: 'r' }, staged, state()))).toEqual([
      'postfix stop [tty]',
      '/usr/lib/postfix/configure-instance.sh -',
      'postfix start [tty]',
    ]);
    expect(lines(actionCommands({ kind: 'reload' }, live({ stage: S, systemd: true }), state()))).toEqual([
      'systemctl reload postfix',
    ]);
    // The master's pid known: postfix-script's reload without postfix-script, `postsuper active`
    // on the stage; the last postsuper in the background as postfix-script starts it, on the live
    // configuration (the stage is removed when the apply ends, and it may still be reading).
    const signalled = actionCommands({ kind: 'reload' }, staged, state({ masterPid: 4242 }));
    expect(lines(signalled)).toEqual([`MAIL_CONFIG=${S} postsuper active`, 'kill -HUP 4242', 'postsuper &']);
    expect(lines(actionCommands({ kind: 'reload' }, live({ systemd: true }), state({ masterPid: 4242 })))).toEqual([
      'postsuper active',
      'kill -HUP 4242',
      'postsuper &',
    ]);
    // Not running after all: started as before; a private instance (configDir) keeps `postfix -c DIR reload`.
    expect(
      lines(actionCommands({ kind: 'reload' }, staged, state({ masterPid: 4242, postfixRunning: false }))),
    ).toEqual(['/usr/lib/postfix/configure-instance.sh -', 'postfix start [tty]']);
    expect(
      lines(actionCommands({ kind: 'reload' }, live({ configDir: '/tmp/i/etc' }), state({ masterPid: 4242 }))),
    ).toEqual(['postfix -c /tmp/i/etc reload [tty]']);
    const sb = sandbox({ stage: '/tmp/sb/etc/.postfix.mailsetup-stage' });
    expect(lines(actionCommands(newaliases, sb, state()))).toEqual([
      'postalias -c /tmp/sb/etc/.postfix.mailsetup-stage hash:/tmp/sb/etc/aliases',
    ]);
  });

  it('daemons are never touched under --root', () => {
    for (const a of [
      { kind: 'reload' },
      { kind: 'restart', reason: 'r' },
      { kind: 'syslog-restart', reason: 'r' },
    ] as Action[]) {
      expect(lines(actionCommands(a, sandbox({ systemd: true }), state()))).toEqual([
        'skip: --root: daemons are not touched',
      ]);
    }
  });

  it('postfix(1) under a terminal only before 3.8 (since 3.8 it writes its errors to stderr too)', () => {
    for (const v of ['3.7.11', '3.6.4', '3.7.17']) {
      expect(lines(actionCommands({ kind: 'postfix-check' }, live({ postfixVersion: v }), state()))).toEqual([
        'postfix -c /etc/postfix check [tty]',
      ]);
    }
    for (const v of ['3.8.6', '3.10.13', '3.11-20250601']) {
      expect(lines(actionCommands({ kind: 'postfix-check' }, live({ postfixVersion: v }), state()))).toEqual([
        'postfix -c /etc/postfix check',
      ]);
      expect(lines(actionCommands(newaliases, live({ postfixVersion: v }), state()))).toEqual(['newaliases']);
      expect(lines(actionCommands({ kind: 'reload' }, live({ postfixVersion: v }), state()))).toEqual([
        'postfix reload',
      ]);
    }
    expect([postfixNeedsTty(undefined), postfixNeedsTty('3.7.11'), postfixNeedsTty('3.8.0')]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('without systemd: reload / start sequence / restart with configure-instance.sh', () => {
    const reload: Action = { kind: 'reload' };
    const restart: Action = { kind: 'restart', reason: 'inet_interfaces changed' };
    expect(lines(actionCommands(reload, live(), state()))).toEqual(['postfix reload [tty]']);
    expect(lines(actionCommands(reload, live(), state({ postfixRunning: false })))).toEqual([
      '/usr/lib/postfix/configure-instance.sh -',
      'postfix start [tty]',
    ]);
    expect(lines(actionCommands(restart, live(), state()))).toEqual([
      'postfix stop [tty]',
      '/usr/lib/postfix/configure-instance.sh -',
      'postfix start [tty]',
    ]);
    expect(lines(actionCommands(restart, live(), state({ postfixRunning: false, chrootSync: 'none' })))).toEqual([
      'postfix start [tty]',
    ]);
    expect(lines(actionCommands(restart, live({ configDir: '/tmp/pi' }), state()))).toEqual([
      'postfix -c /tmp/pi stop [tty]',
      'MAIL_CONFIG=/tmp/pi /usr/lib/postfix/configure-instance.sh -',
      'postfix -c /tmp/pi start [tty]',
    ]);
  });

  it('where postfix start fills the chroot itself (Debian 13): never configure-instance.sh', () => {
    const synced = state({ chrootSync: 'postfix-start' });
    const v = live({ postfixVersion: '3.10.13' });
    expect(lines(actionCommands({ kind: 'reload' }, v, { ...synced, postfixRunning: false }))).toEqual([
      'postfix start',
    ]);
    expect(lines(actionCommands({ kind: 'restart', reason: 'x' }, v, synced))).toEqual([
      'postfix stop',
      'postfix start',
    ]);
    expect(lines(actionCommands({ kind: 'restart', reason: 'x' }, live({ configDir: '/tmp/pi' }), synced))).toEqual([
      'postfix -c /tmp/pi stop [tty]',
      'postfix -c /tmp/pi start [tty]',
    ]);
  });

  it('postInstallSyncsChroot: post-install runs configure-instance.sh itself (not in a comment)', () => {
    expect(
      postInstallSyncsChroot(
        '    done\n    /usr/lib/postfix/configure-instance.sh || exit 1\t # debian-specific: setup chroot\n}\n',
      ),
    ).toBe(true);
    expect(postInstallSyncsChroot('# /usr/lib/postfix/configure-instance.sh is run by the init script\n')).toBe(false);
    expect(postInstallSyncsChroot('create-missing)\n    exit 0\n')).toBe(false);
  });

  it('with systemd: systemctl reload / start / restart postfix', () => {
    const sd = live({ systemd: true });
    expect(lines(actionCommands({ kind: 'reload' }, sd, state()))).toEqual(['systemctl reload postfix']);
    expect(lines(actionCommands({ kind: 'reload' }, sd, state({ postfixRunning: false })))).toEqual([
      'systemctl start postfix',
    ]);
    expect(lines(actionCommands({ kind: 'restart', reason: 'x' }, sd, state({ postfixRunning: false })))).toEqual([
      'systemctl restart postfix',
    ]);
  });

  it("syslog restart: systemctl; service(8) with an init script; else TERM + start root's daemonized rsyslogd", () => {
    const a: Action = { kind: 'syslog-restart', reason: 'chroot socket' };
    expect(lines(actionCommands(a, live({ systemd: true }), state()))).toEqual(['systemctl restart rsyslog']);
    expect(lines(actionCommands(a, live(), state()))).toEqual(['service rsyslog restart']);
    const noInit = state({
      rsyslogInitScript: false,
      rsyslogd: { pid: 57, argv: ['rsyslogd', '-i', '/run/r.pid'], root: true },
    });
    const ac = actionCommands(a, live(), noInit);
    expect(lines(ac)).toEqual(['kill -TERM 57', '/usr/sbin/rsyslogd -i /run/r.pid']);
    expect('run' in ac && ac.run[0].waitForExit).toBe(57);
    expect(lines(actionCommands(a, live(), state({ rsyslogd: null })))).toEqual([
      "skip: rsyslog is not running: nothing logs Postfix's messages until it runs; start it (rsyslogd), or answer logging: file",
    ]);
    expect(
      lines(
        actionCommands(a, live(), { ...noInit, rsyslogd: { pid: 9, argv: ['rsyslogd', '-n', '-iNONE'], root: true } }),
      ),
    ).toEqual([
      'skip: rsyslogd (pid 9) runs in the foreground (-n) under the program that started it: restart it yourself so ' +
        'that it reads /etc/rsyslog.d/postfix.conf (kill -HUP is not enough: rsyslog reads its configuration only when it starts)',
    ]);
    expect(
      lines(actionCommands(a, live(), { ...noInit, rsyslogd: { pid: 10, argv: ['/tmp/x/rsyslogd'], root: false } })),
    ).toEqual([
      'skip: rsyslogd (pid 10) is not run by root: restart it yourself so that it reads /etc/rsyslog.d/postfix.conf ' +
        '(kill -HUP is not enough: rsyslog reads its configuration only when it starts)',
    ]);
    expect(lines(actionCommands(a, live({ rsyslog: false, systemd: true }), state()))).toEqual([
      'skip: rsyslog is not installed',
    ]);
  });

  it('rsyslogInForeground: -n alone or among other single-letter flags', () => {
    expect(rsyslogInForeground(['rsyslogd', '-n'])).toBe(true);
    expect(rsyslogInForeground(['rsyslogd', '-niNONE'])).toBe(true);
    expect(rsyslogInForeground(['rsyslogd', '-i', '/run/x.pid'])).toBe(false);
    expect(rsyslogInForeground(['rsyslogd'])).toBe(false);
    expect(rsyslogInForeground(['-n'])).toBe(false);
  });
});

describe('helpers', () => {
  it('mapType, derivedFiles, actionStepId, commandLine', () => {
    expect(mapType('hash:/etc/x', 'lmdb')).toBe('hash');
    expect(mapType('/etc/x', 'lmdb')).toBe('lmdb');
    expect(mapType('$default_database_type:/etc/x', 'cdb')).toBe('cdb');
    expect(derivedFiles('/etc/aliases')).toEqual([
      '/etc/aliases.db',
      '/etc/aliases.lmdb',
      '/etc/aliases.cdb',
      '/etc/aliases.dir',
      '/etc/aliases.pag',
    ]);
    expect(describeAction(postmap).stepId).toBe('action:postmap:/etc/postfix/transport');
    expect(describeAction({ kind: 'restart', reason: 'x' }).stepId).toBe('action:restart');
    expect(commandLine('sh', ['-c', "echo 'a b'", ''])).toBe(`sh -c 'echo '\\''a b'\\''' ''`);
  });
});
