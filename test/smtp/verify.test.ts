/**
 * mailsetup --verify on private Postfix instances configured by the harness: a good setup passes
 * every check; each deliberate breakage is reported by the check it concerns, with the reason
 * and the log lines that explain it.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRealEffects } from '../../src/system/realEffects.js';
import { readHostFacts } from '../../src/system/hostFacts.js';
import type { HostFacts } from '../../src/model/host.js';
import {
  deliveryChain,
  inNetworks,
  outsideSource,
  parseDeliveryLine,
  parseEndpoint,
  parseMynetworks,
  parseProcNetTcp,
  verify,
  type VerifyOptions,
} from '../../src/verify.js';
import { describeRealPostfix, hostPort, run, runCli } from '../helpers/instance.js';
import { postfixVersion } from '../helpers/postfix.js';
import { Lab, labAddrs, matrixAnswers } from '../helpers/smtp-lab.js';

const fx = createRealEffects('/');

async function verifyLab(
  lab: Lab,
  host: HostFacts,
  over: Partial<VerifyOptions> = {},
): Promise<{ code: number; out: string; lines: string[] }> {
  let out = '';
  const code = await verify(fx, host, {
    color: false,
    configDir: lab.instance.conf,
    smtpAddress: hostPort(lab.addrs.smtp),
    waitMs: 15_000,
    write: (s) => (out += s),
    ...over,
  });
  return { code, out, lines: out.split('\n') };
}

/** The report line of one check (starts with the mark and the label). */
function line(lines: string[], label: string): string {
  return lines.find((l) => l.slice(2).startsWith(`${label}:`)) ?? `(no line for ${label})`;
}

describe('verify: the parts that need no Postfix', () => {
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

  it('mynetworks: addresses and CIDRs evaluated; anything else named', () => {
    const nets = parseMynetworks('127.0.0.1/32, 127.0.0.2/32 [::1]/128 10.1.0.0/16 [fd00::]/64');
    expect(inNetworks('127.0.0.2', nets)).toBe(true);
    expect(inNetworks('127.0.0.9', nets)).toBe(false);
    expect(inNetworks('10.1.200.3', nets)).toBe(true);
    expect(inNetworks('fd00::2', nets)).toBe(true);
    expect(inNetworks('fd01::2', nets)).toBe(false);
    expect(() => parseMynetworks('127.0.0.0/8, hash:/etc/postfix/network_table')).toThrow(
      'mynetworks has an entry verify cannot evaluate: hash:/etc/postfix/network_table',
    );
    expect(outsideSource('127.0.0.1', nets, ['127.0.0.1', '192.0.2.2'])).toBe('127.0.0.9');
    expect(outsideSource('127.0.0.1', parseMynetworks('127.0.0.0/8'), ['127.0.0.1', '192.0.2.2', 'fe80::1'])).toBe(
      '192.0.2.2',
    );
    expect(
      outsideSource('127.0.0.1', parseMynetworks('127.0.0.0/8 192.0.2.0/24'), ['127.0.0.1', '192.0.2.2', 'fd00::2']),
    ).toBeNull();
    expect(outsideSource('::1', parseMynetworks('[::1]/128'), ['::1', '192.0.2.2', 'fd00::2'])).toBe('fd00::2');
  });

  it('delivery lines and forwarding chains', () => {
    const log = [
      'Nov 26 08:11:34 mx postfix/local[1]: 8C19: to=<postmaster@example.com>, relay=local, ' +
        'delay=0.04, delays=0/0.04/0/0, dsn=2.0.0, status=sent (forwarded as 95FD)',
      'Nov 26 08:11:34 mx postfix/smtp[2]: 95FD: to=<admin@example.org>, orig_to=<postmaster@example.com>, ' +
        'relay=127.0.0.1[127.0.0.1]:2525, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
    ];
    expect(parseDeliveryLine(log[1])).toEqual({
      queueId: '95FD',
      to: 'admin@example.org',
      origTo: 'postmaster@example.com',
      relay: '127.0.0.1[127.0.0.1]:2525',
      status: 'sent',
      text: '250 2.0.0 Ok',
      line: log[1],
    });
    expect(deliveryChain(log.slice(0, 1), '8C19')).toBeNull();
    expect(deliveryChain(log, '8C19')?.map((d) => [d.queueId, d.status])).toEqual([['95FD', 'sent']]);
    expect(parseEndpoint('[::1]:25')).toEqual({ host: '::1', port: 25 });
    expect(() => parseEndpoint('localhost')).toThrow('"localhost" is not host:port (or [ipv6]:port)');
  });
});

describeRealPostfix('mailsetup --verify on a null client (127.0.21.25:2421)', () => {
  let lab: Lab;
  let host: HostFacts;

  beforeAll(async () => {
    host = await readHostFacts(fx);
    lab = await Lab.start(21, matrixAnswers('null-client', labAddrs(21)));
  }, 120_000);
  afterAll(async () => lab?.dispose(), 60_000);

  it('a good setup passes every check', async () => {
    const r = await verifyLab(lab, host);
    expect(r.code, r.out).toBe(0);
    expect(
      r.lines.filter((l) => l.startsWith('✗')),
      r.out,
    ).toEqual([]);
    expect(line(r.lines, 'mailsetup state')).toMatch(/^✓ mailsetup state: role null-client, set up by mailsetup/);
    expect(line(r.lines, 'Postfix runs')).toMatch(
      /^✓ Postfix runs: postfix status: the Postfix mail system is running: PID: \d+$/,
    );
    expect(line(r.lines, 'postfix check')).toBe('✓ postfix check: no warnings');
    expect(line(r.lines, 'Listening addresses')).toBe(
      '✓ Listening addresses: listening on 127.0.21.25:2421 (the address given for this instance)',
    );
    expect(line(r.lines, 'No relaying for strangers')).toBe(
      '✓ No relaying for strangers: from 127.0.0.9 (not in mynetworks) to 127.0.21.25:2421: 6 of 6 ' +
        'relay attempts refused (454 4.7.1 <probe@relay-test.mailsetup.invalid>: Relay access denied)',
    );
    expect(line(r.lines, 'Test message to postmaster')).toMatch(
      new RegExp(
        /^✓ Test message to postmaster: <postmaster> accepted over SMTP on 127\.0\.21\.25:2421 \(queued as \w+\); /
          .source + /to=<admin@example\.org> via 127\.0\.21\.30\[127\.0\.21\.30\]:2530: sent$/.source,
      ),
    );
    expect(line(r.lines, 'Address local (root)')).toBe(
      '✓ Address local (root): root: deliverable via 127.0.21.30[127.0.21.30]:2530 (250 2.1.5 Ok)',
    );
    expect(line(r.lines, 'Address foreign')).toBe(
      '✓ Address foreign: mailsetup-verify@example.net: deliverable via 127.0.21.30[127.0.21.30]:2530 (250 2.1.5 Ok)',
    );
    expect(line(r.lines, 'Lookup table /etc/postfix/virtual')).toBe(
      `✓ Lookup table /etc/postfix/virtual: 2 keys as written (postmap -q hash:${lab.instance.conf}/virtual)`,
    );
    expect(line(r.lines, 'Aliases /etc/aliases')).toBe(
      `✓ Aliases /etc/aliases: 2 keys as written (postalias -q hash:${lab.instance.conf}/aliases)`,
    );
    expect(r.lines.at(-2)).toBe('10 checks: 10 passed, 0 failed, 0 skipped');
    const m = await lab.relay.waitFor(
      (x) => x.data.includes('mailsetup --verify test message'),
      'the verify test message',
    );
    expect(m.to).toEqual(['admin@example.org']);
  }, 90_000);

  it('an open relay is caught: the relay attempts that were accepted are listed', async () => {
    const main = join(lab.instance.conf, 'main.cf');
    const saved = readFileSync(main, 'utf8');
    try {
      // (smtpd refuses to start with no reject_unauth_destination at all; a check that permits every client before it passes.)
      expect(
        lab.instance.postconf([
          '-e',
          'smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination',
        ]).status,
      ).toBe(0);
      lab.instance.backdate();
      await lab.instance.reload();
      const r = await verifyLab(lab, host);
      expect(r.code).toBe(1);
      expect(line(r.lines, 'No relaying for strangers')).toBe(
        '✗ No relaying for strangers: from 127.0.0.9 (not in mynetworks) to 127.0.21.25:2421: 6 of 6 relay attempts ACCEPTED (open relay)',
      );
      expect(r.out).toContain('    foreign recipient <probe@relay-test.mailsetup.invalid>: 250 2.1.5 Ok\n');
      expect(r.out).toContain('    address literal <probe@[198.51.100.7]>: 250 2.1.5 Ok\n');
      expect(r.lines.filter((l) => l.startsWith('✗'))).toHaveLength(1);
    } finally {
      writeFileSync(main, saved);
      lab.instance.backdate();
      await lab.instance.reload();
    }
  }, 90_000);

  it('a deleted map database: the map check names the error, and the test message shows the lookup failure', async () => {
    const db = join(lab.instance.conf, 'virtual.db');
    copyFileSync(db, `${db}.saved`);
    try {
      rmSync(db);
      const r = await verifyLab(lab, host, { waitMs: 8_000 });
      expect(r.code).toBe(1);
      expect(line(r.lines, 'Lookup table /etc/postfix/virtual')).toBe(
        `✗ Lookup table /etc/postfix/virtual: 2 of 2 keys differ from what mailsetup wrote (hash:${lab.instance.conf}/virtual)`,
      );
      expect(r.out).toContain(
        `    postmaster: postmap: fatal: open database ${lab.instance.conf}/virtual.db: No such file or directory (mailsetup wrote "admin@example.org")\n`,
      );
      // cleanup cannot look up virtual_alias_maps: smtpd says so at the end of DATA; sendmail -bv requests are not accepted.
      expect(line(r.lines, 'Test message to postmaster')).toBe(
        '✗ Test message to postmaster: DATA <postmaster> refused: 451 4.3.0 Error: queue file write error',
      );
      expect(line(r.lines, 'Address local (root)')).toBe(
        '✗ Address local (root): root: Postfix did not accept the request: a lookup failed (see the warnings)',
      );
      expect(r.out).toMatch(
        /\n {4}.*postfix\/cleanup\[\d+\]: warning: \w+: virtual_alias_maps map lookup problem for root@example\.com -- message not accepted, try again later\n/,
      );
    } finally {
      copyFileSync(`${db}.saved`, db);
      rmSync(`${db}.saved`);
      await lab.instance.reload();
    }
  }, 90_000);

  it('Postfix stopped: "Postfix runs" fails, the SMTP checks are skipped', async () => {
    await lab.instance.stop();
    try {
      const r = await verifyLab(lab, host);
      expect(r.code).toBe(1);
      expect(line(r.lines, 'Postfix runs')).toBe(
        '✗ Postfix runs: postfix status exited 1: the Postfix mail system is not running',
      );
      expect(line(r.lines, 'Listening addresses')).toBe('- Listening addresses: skipped: Postfix is not running');
      expect(line(r.lines, 'No relaying for strangers')).toBe(
        '- No relaying for strangers: skipped: Postfix is not running',
      );
      expect(line(r.lines, 'Lookup table /etc/postfix/virtual')).toMatch(/^✓ /);
    } finally {
      await lab.instance.start();
    }
  }, 90_000);
});

describeRealPostfix('mailsetup --verify on a backup MX (127.0.22.25:2422)', () => {
  let lab: Lab;
  let host: HostFacts;

  beforeAll(async () => {
    host = await readHostFacts(fx);
    lab = await Lab.start(22, matrixAnswers('backup-mx', labAddrs(22)));
  }, 120_000);
  afterAll(async () => lab?.dispose(), 60_000);

  it('a good setup passes; the relay domain is checked against its transport next hop', async () => {
    const r = await verifyLab(lab, host);
    expect(r.code, r.out).toBe(0);
    expect(line(r.lines, 'Address relay domain backed.example')).toBe(
      '✓ Address relay domain backed.example: alice@backed.example: deliverable via 127.0.22.32[127.0.22.32]:2532 (250 2.1.5 Ok)',
    );
    expect(line(r.lines, 'Address local')).toMatch(
      /^✓ Address local: postmaster@backup\.example\.com: deliverable via local/,
    );
    expect(line(r.lines, 'Address foreign')).toBe(
      "- Address foreign: skipped: delivered directly by MX lookup; not probed (verify does not contact other people's mail servers)",
    );
    expect(line(r.lines, 'Lookup table /etc/postfix/transport')).toMatch(
      /^✓ Lookup table \/etc\/postfix\/transport: 1 key as written/,
    );
    expect(line(r.lines, 'Lookup table /etc/postfix/relay_recipients')).toMatch(
      /^✓ Lookup table \/etc\/postfix\/relay_recipients: 2 keys as written/,
    );
  }, 90_000);

  it('without the instance address, a backup MX listening on loopback only is reported', async () => {
    const r = await verifyLab(lab, host, { smtpAddress: undefined });
    expect(line(r.lines, 'Listening addresses')).toBe(
      '✗ Listening addresses: only loopback listens on port 2422 (127.0.22.25:2422): ' +
        'a backup-mx receives no mail from the network (inet_interfaces = loopback-only)',
    );
  }, 90_000);

  it('the transport pointed at a closed port: the relay-domain address check and the map check fail, with the log line', async () => {
    const file = join(lab.instance.conf, 'transport');
    const saved = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, saved.replace('relay:[127.0.22.32]:2532', 'relay:[127.0.22.32]:2599'));
      expect(run('postmap', ['-c', lab.instance.conf, `hash:${file}`]).status).toBe(0);
      await lab.instance.reload();
      const r = await verifyLab(lab, host);
      expect(r.code).toBe(1);
      expect(line(r.lines, 'Address relay domain backed.example')).toBe(
        '✗ Address relay domain backed.example: alice@backed.example: undeliverable via none (connect to 127.0.22.32[127.0.22.32]:2599: Connection refused)',
      );
      expect(r.out).toMatch(
        new RegExp(
          /\n {4}.*postfix\/relay\/smtp\[\d+\]: \w+: to=<alice@backed\.example>, relay=none, /.source +
            /.*status=undeliverable \(connect to 127\.0\.22\.32\[127\.0\.22\.32\]:2599: Connection refused\)\n/.source,
        ),
      );
      expect(line(r.lines, 'Lookup table /etc/postfix/transport')).toBe(
        `✗ Lookup table /etc/postfix/transport: 1 of 1 key differ from what mailsetup wrote (hash:${file})`,
      );
      expect(r.out).toContain(
        '    backed.example: postmap -q gives "relay:[127.0.22.32]:2599", mailsetup wrote "relay:[127.0.22.32]:2532"\n',
      );
    } finally {
      writeFileSync(file, saved);
      run('postmap', ['-c', lab.instance.conf, `hash:${file}`]);
      await lab.instance.reload();
    }
  }, 90_000);

  it("the CLI: mailsetup --verify --root SANDBOX checks the sandbox's files only, never a running Postfix", async () => {
    const r = await runCli(['--verify', '--root', lab.sandbox.root, '--no-color']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(
      `mailsetup --verify: the Postfix of ${lab.sandbox.root}/etc/postfix (Postfix ${postfixVersion()})`,
    );
    expect(line(lines, 'mailsetup state')).toBe(
      `✓ mailsetup state: role backup-mx, set up by mailsetup (${lab.sandbox.root}/etc/postfix/mailsetup.yaml)`,
    );
    expect(line(lines, 'Postfix runs')).toBe(
      `- Postfix runs: skipped: --root ${lab.sandbox.root}: no Postfix runs from a sandbox; only its files are checked`,
    );
    expect(line(lines, 'No relaying for strangers')).toBe('- No relaying for strangers: skipped: a sandbox (--root)');
    expect(line(lines, 'Lookup table /etc/postfix/transport')).toBe(
      `✓ Lookup table /etc/postfix/transport: 1 key as written (postmap -q hash:${lab.sandbox.root}/etc/postfix/transport)`,
    );
    expect(lines.at(-2)).toBe('10 checks: 5 passed, 0 failed, 5 skipped');
  }, 90_000);
});
