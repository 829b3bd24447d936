/**
 * mailsetup --verify on private Postfix instances configured by the harness: a good setup passes
 * every check; each deliberate breakage is reported by the check it concerns, with the reason
 * and the log lines that explain it. (The parts that need no Postfix are tested on their own:
 * test/commands/verify/, test/system/procNet.test.ts, test/postfix/network.test.ts.)
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRealEffects } from '../../src/system/realEffects.js';
import { readHostFacts } from '../../src/system/hostFacts.js';
import type { HostFacts } from '../../src/model/host.js';
import { describeRealPostfix, run, runCli } from '../helpers/instance.js';
import { postfixVersion } from '../helpers/postfix.js';
import { Lab, labAddrs, matrixAnswers, verifyLab } from '../helpers/smtp-lab.js';
import { slotOf } from '../helpers/slots.js';

const fx = createRealEffects('/');
const SLOT_NULL = slotOf('verify', 0);
const SLOT_BACKUP = slotOf('verify', 1);

/** The report line of one check (starts with the mark and the label). */
function line(lines: string[], label: string): string {
  return lines.find((l) => l.slice(2).startsWith(`${label}:`)) ?? `(no line for ${label})`;
}

describeRealPostfix(`mailsetup --verify on a null client (127.0.${SLOT_NULL}.25:${2400 + SLOT_NULL})`, () => {
  let lab: Lab;
  let host: HostFacts;

  beforeAll(async () => {
    host = await readHostFacts(fx);
    lab = await Lab.start(SLOT_NULL, matrixAnswers('null-client', labAddrs(SLOT_NULL)));
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
    expect(line(r.lines, 'Outbound TLS')).toBe(
      '✓ Outbound TLS: smtp_tls_security_level = may; CA store /etc/ssl/certs/ca-certificates.crt',
    );
    expect(line(r.lines, 'STARTTLS on port 25')).toBe(
      '- STARTTLS on port 25: skipped: a null client receives no mail: no inbound TLS',
    );
    expect(r.lines.at(-2)).toBe('12 checks: 11 passed, 0 failed, 1 skipped');
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
    lab = await Lab.start(SLOT_BACKUP, matrixAnswers('backup-mx', labAddrs(SLOT_BACKUP)));
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
    expect(line(lines, 'Outbound TLS')).toBe(
      '✓ Outbound TLS: smtp_tls_security_level = may; CA store /etc/ssl/certs/ca-certificates.crt',
    );
    expect(line(lines, 'STARTTLS on port 25')).toBe('- STARTTLS on port 25: skipped: a sandbox (--root)');
    expect(lines.at(-2)).toBe('12 checks: 6 passed, 0 failed, 6 skipped');
  }, 90_000);
});
