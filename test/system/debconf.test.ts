/**
 * debconf: parsing and the disagreement check. The same FOR REAL on this machine (a
 * `dpkg-reconfigure postfix` against mailsetup's main.cf) is in test/live/debconf.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  compareDebconf,
  debconfMailerType,
  parseDebconfSelections,
  parseDebconfShow,
  pinNoConfiguration,
  pinnedInConfigDat,
} from '../../src/system/debconf.js';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';

const SHOW = `  postfix/bad_recipient_delimiter:
  postfix/chattr: false
* postfix/mailname: mail.example.org
  postfix/protocols: all
* postfix/main_mailer_type: Internet Site
  postfix/mynetworks: 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
* postfix/relayhost: smtp.example.org
  postfix/destinations: $myhostname, mail.example.org, localhost.example.org, , localhost
`;

describe('parsing debconf', () => {
  it('debconf-show postfix', () => {
    expect(parseDebconfShow(SHOW)).toEqual({
      bad_recipient_delimiter: '',
      chattr: 'false',
      mailname: 'mail.example.org',
      protocols: 'all',
      main_mailer_type: 'Internet Site',
      mynetworks: '127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128',
      relayhost: 'smtp.example.org',
      destinations: '$myhostname, mail.example.org, localhost.example.org, , localhost',
    });
  });
  it('debconf-get-selections', () => {
    const text =
      '# comment\npostfix\tpostfix/main_mailer_type\tselect\tNo configuration\npostfix\tpostfix/relayhost\tstring\t\nexim4\texim4/x\tstring\ty\n';
    expect(parseDebconfSelections(text)).toEqual({ main_mailer_type: 'No configuration', relayhost: '' });
  });
  it('falls back to debconf-get-selections when debconf-show is missing; nothing under --root', async () => {
    const fx = createMemoryEffects({
      run: (cmd) =>
        cmd === 'debconf-show'
          ? { command: cmd, exitCode: 127, stdout: '', stderr: 'debconf-show: command not found', timedOut: false }
          : {
              command: cmd,
              exitCode: 0,
              stdout: 'postfix\tpostfix/main_mailer_type\tselect\tSatellite system\n',
              stderr: '',
              timedOut: false,
            },
    });
    expect(await debconfMailerType(fx)).toBe('Satellite system');
    expect(fx.calls.map((c) => c.cmd)).toEqual(['debconf-show', 'debconf-get-selections']);
    const sandbox = createMemoryEffects({ root: '/tmp/sandbox' });
    expect(await debconfMailerType(sandbox)).toBeNull();
    expect(await pinNoConfiguration(sandbox)).toEqual({
      status: 'skipped',
      detail: '--root: debconf belongs to the running system',
      warnings: [],
      results: [],
    });
    expect(sandbox.calls).toEqual([]);
  });
  it("pinNoConfiguration feeds debconf-set-selections; a failure carries the command's output", async () => {
    const ok = createMemoryEffects();
    expect((await pinNoConfiguration(ok)).status).toBe('ok');
    expect(ok.calls).toEqual([
      {
        cmd: 'debconf-set-selections',
        args: [],
        opts: { input: 'postfix postfix/main_mailer_type select No configuration\n', timeoutMs: 60_000 },
      },
    ]);
    const bad = createMemoryEffects({
      run: (cmd) => ({
        command: cmd,
        exitCode: 1,
        stdout: '',
        stderr: 'error: Cannot find a question for postfix/main_mailer_type',
        timedOut: false,
      }),
    });
    const r = await pinNoConfiguration(bad);
    expect(r.status).toBe('failed');
    expect(r.error).toContain('error: Cannot find a question for postfix/main_mailer_type');
  });
});

describe('compareDebconf', () => {
  const main = [
    'myhostname = mx.example.com',
    'mydomain = example.com',
    'myorigin = $mydomain',
    'mydestination = $myhostname, localhost.$mydomain, localhost',
    'relayhost = [smtp.example.net]:587',
    'mynetworks = 127.0.0.0/8',
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    '',
  ].join('\n');

  it('nothing when pinned to "No configuration" or unknown', () => {
    expect(compareDebconf({ main_mailer_type: 'No configuration', relayhost: 'x' }, main, null)).toEqual([]);
    expect(compareDebconf({}, main, null)).toEqual([]);
  });

  it('every disagreement, with what a reconfigure would do', () => {
    const w = compareDebconf(parseDebconfShow(SHOW), main, null);
    expect(w.map((x) => [x.question, x.parameter, x.effect])).toEqual([
      ['main_mailer_type', 'inet_interfaces', 'overwrite'],
      ['relayhost', 'relayhost', 'overwrite'],
      ['mailname', 'myorigin', 'overwrite'],
      ['destinations', 'mydestination', 'overwrite'],
      ['mynetworks', 'mynetworks', 'stale'],
      ['protocols', 'inet_protocols', 'stale'],
    ]);
    expect(w.map((x) => x.message)).toEqual([
      'debconf\'s mail configuration type is "Internet Site" (inet_interfaces = all) but main.cf has ' +
        'inet_interfaces = loopback-only: a "dpkg-reconfigure postfix" would write debconf\'s value into main.cf',
      'debconf\'s mail configuration type "Internet Site" has no relay host but main.cf has relayhost ' +
        '= [smtp.example.net]:587: a "dpkg-reconfigure postfix" would write debconf\'s value into main.cf',
      'debconf\'s postfix/mailname is "mail.example.org" but this host\'s mail name (myorigin) is example.com: ' +
        'a "dpkg-reconfigure postfix" would write debconf\'s value into main.cf (and into /etc/mailname)',
      'debconf\'s postfix/destinations is "$myhostname, mail.example.org, localhost.example.org, ' +
        ', localhost" but main.cf has mydestination = $myhostname, ' +
        'localhost.$mydomain, localhost: a "dpkg-reconfigure postfix" would rewrite mydestination',
      'debconf\'s postfix/mynetworks is "127.0.0.0/8 [::ffff:127.0.0.0]/104 ' +
        '[::1]/128" but main.cf has mynetworks = 127.0.0.0/8: debconf\'s record is ' +
        'stale (a "dpkg-reconfigure postfix" offers main.cf\'s value for this one)',
      'debconf\'s postfix/protocols is "all" but main.cf has inet_protocols = ipv4: debconf\'s ' +
        'record is stale (a "dpkg-reconfigure postfix" offers main.cf\'s value for this one)',
    ]);
  });

  it('agreement in other spellings is no disagreement ($names, commas, /etc/mailname, case)', () => {
    const answers = {
      main_mailer_type: 'Satellite system',
      relayhost: '[smtp.example.net]:587',
      mailname: 'Example.COM',
      destinations: 'mx.example.com localhost.example.com localhost',
      mynetworks: '127.0.0.0/8',
      protocols: 'ipv4',
    };
    expect(compareDebconf(answers, main, null)).toEqual([]);
    const viaFile = main.replace('myorigin = $mydomain', 'myorigin = /etc/mailname');
    expect(compareDebconf(answers, viaFile, 'example.com\n')).toEqual([]);
    expect(compareDebconf(answers, viaFile, 'other.example\n').map((w) => w.question)).toEqual(['mailname']);
  });
});

describe('the pin already in debconf (config.dat)', () => {
  const stanza = (value: string, flags = 'seen') =>
    `Name: postfix/main_mailer_type\nTemplate: postfix/main_mailer_type\nValue: ${value}\nOwners: postfix\nFlags: ${flags}\n`;
  const other =
    'Name: postfix/mailname\nTemplate: postfix/mailname\nValue: No configuration\nOwners: postfix\nFlags: seen\n';

  it('is read from the stanza of postfix/main_mailer_type only: its value and the seen flag', () => {
    expect(pinnedInConfigDat(`${other}\n${stanza('No configuration')}\n`)).toBe(true);
    expect(pinnedInConfigDat(stanza('No configuration', 'seen, changed'))).toBe(true);
    expect(pinnedInConfigDat(stanza('Internet Site'))).toBe(false);
    expect(pinnedInConfigDat(stanza('No configuration', ''))).toBe(false); // preseeded with -u: not seen
    expect(pinnedInConfigDat(other)).toBe(false); // another question's value does not count
    expect(pinnedInConfigDat('')).toBe(false);
    expect(pinnedInConfigDat('\0\0garbage\nName postfix/main_mailer_type\n')).toBe(false);
    // Only the first Value line of the stanza counts.
    expect(pinnedInConfigDat(stanza('Internet Site').replace('Owners:', 'Value: No configuration\nOwners:'))).toBe(
      false,
    );
  });

  it('a re-run runs no debconf-set-selections when the pin is there; otherwise it sets it', async () => {
    const pinned = createMemoryEffects({
      files: { '/var/cache/debconf/config.dat': `${other}\n${stanza('No configuration')}` },
    });
    const o = await pinNoConfiguration(pinned);
    expect(o.status).toBe('skipped');
    expect(o.detail).toMatch(/already has postfix\/main_mailer_type = No configuration/);
    expect(pinned.calls).toEqual([]);
    const stale = createMemoryEffects({ files: { '/var/cache/debconf/config.dat': stanza('Internet Site') } });
    expect((await pinNoConfiguration(stale)).status).toBe('ok');
    expect(stale.calls.map((c) => c.cmd)).toEqual(['debconf-set-selections']);
  });
});
