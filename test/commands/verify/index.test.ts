/**
 * The --verify mode on the in-memory twin: the report line by line (the same text the CLI
 * prints), the exit code, what is skipped and why (Postfix stopped, a --root sandbox, no state
 * file), colours, and a check that breaks does not stop the others.
 */
import { describe, expect, it } from 'vitest';
import { verify, type VerifyOptions } from '../../../src/commands/verify/index.js';
import { createMemoryEffects, smtpPeer, type MemoryEffects } from '../../../src/system/memoryEffects.js';
import { serializeState } from '../../../src/plan/state.js';
import { LOG, NULL_CLIENT_STATE, hostWith, logLine, postfixTwin, type TwinOptions } from './twin.js';

const RELAY = 'relay.example.net[192.0.2.9]:587';

/** A null client that works: relays for nobody outside 127.0.0.1, hands everything to the relay host. */
function goodNullClient(over: TwinOptions = {}): MemoryEffects {
  const fx: MemoryEffects = postfixTwin({
    routes: {
      root: { to: 'root@example.com', relay: RELAY, status: 'deliverable', text: '250 2.1.5 Ok' },
      'mailsetup-verify@example.net': { relay: RELAY, status: 'deliverable', text: '250 2.1.5 Ok' },
    },
    peers: {
      '127.0.0.1:25': smtpPeer({
        reply: (line, client) =>
          line.startsWith('RCPT') && client.address !== '127.0.0.1'
            ? `454 4.7.1 <${/<(.*)>/.exec(line)?.[1]}>: Relay access denied`
            : undefined,
        message() {
          fx.append(
            LOG,
            logLine(
              'smtp',
              `MEMQ1: to=<admin@example.org>, orig_to=<postmaster>, relay=${RELAY}, status=sent (250 Ok)`,
            ),
          );
          return '250 2.0.0 Ok: queued as MEMQ1';
        },
      }),
    },
    ...over,
  });
  return fx;
}

async function report(fx: MemoryEffects, over: Partial<VerifyOptions> = {}) {
  let out = '';
  const code = await verify(fx, hostWith(), { color: false, waitMs: 2_000, write: (s) => (out += s), ...over });
  return { code, out, lines: out.split('\n') };
}

describe('mailsetup --verify (the mode)', () => {
  it('a good null client: every check passes, exit 0; the report as the CLI prints it', async () => {
    const r = await report(goodNullClient());
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'mailsetup --verify: the Postfix of /etc/postfix (Postfix 3.7.11)',
        '✓ mailsetup state: role null-client, set up by mailsetup (/etc/postfix/mailsetup.yaml)',
        '✓ Postfix runs: postfix status: the Postfix mail system is running: PID: 4242',
        '✓ postfix check: no warnings',
        '✓ Outbound TLS: smtp_tls_security_level = may; CA store /etc/ssl/certs/ca-certificates.crt',
        '✓ Listening addresses: loopback only: 127.0.0.1:25',
        '- STARTTLS on port 25: skipped: a null client receives no mail: no inbound TLS',
        '✓ No relaying for strangers: from 127.0.0.9 (not in mynetworks) to 127.0.0.1:25: 6 of 6 relay attempts refused (454 4.7.1 ' +
          '<probe@relay-test.mailsetup.invalid>: Relay access denied)',
        `✓ Test message to postmaster: <postmaster> accepted over SMTP on 127.0.0.1:25 (queued as MEMQ1); to=<admin@example.org> via ${RELAY}: sent`,
        `✓ Address local (root): root: deliverable via ${RELAY} (250 2.1.5 Ok)`,
        `✓ Address foreign: mailsetup-verify@example.net: deliverable via ${RELAY} (250 2.1.5 Ok)`,
        '✓ Lookup table /etc/postfix/virtual: 2 keys as written (postmap -q hash:/etc/postfix/virtual)',
        '✓ Aliases /etc/aliases: 2 keys as written (postalias -q hash:/etc/aliases)',
        '12 checks: 11 passed, 0 failed, 1 skipped',
        '',
      ].join('\n'),
    );
  });

  it('colours: the marks, the faint explanations and the summary, as before', async () => {
    const r = await report(goodNullClient({ check: { exitCode: 0, output: 'postfix/postfix-script: warning: w' } }), {
      color: true,
    });
    expect(r.code).toBe(1);
    expect(r.lines[1]).toBe(
      '\x1b[32m✓\x1b[0m mailsetup state: role null-client, set up by mailsetup (/etc/postfix/mailsetup.yaml)',
    );
    expect(r.lines[3]).toBe('\x1b[31m✗\x1b[0m postfix check: 1 warning');
    expect(r.lines[4]).toBe('    \x1b[2mpostfix/postfix-script: warning: w\x1b[0m');
    expect(r.lines.at(-2)).toBe('\x1b[31m12 checks: 10 passed, 1 failed, 1 skipped\x1b[0m');
    const stopped = await report(postfixTwin({ running: false }), { color: true });
    expect(stopped.lines).toContain('\x1b[2m-\x1b[0m Listening addresses: skipped: Postfix is not running');
  });

  it('Postfix stopped: "Postfix runs" fails, the SMTP checks are skipped, the files are still checked; exit 1', async () => {
    const fx = postfixTwin({ running: false });
    const r = await report(fx);
    expect(r.code).toBe(1);
    expect(r.lines.slice(2)).toEqual([
      '✗ Postfix runs: postfix status exited 1: the Postfix mail system is not running',
      '✓ postfix check: no warnings',
      '✓ Outbound TLS: smtp_tls_security_level = may; CA store /etc/ssl/certs/ca-certificates.crt',
      '- Listening addresses: skipped: Postfix is not running',
      '- STARTTLS on port 25: skipped: Postfix is not running',
      '- No relaying for strangers: skipped: Postfix is not running',
      '- Test message to postmaster: skipped: Postfix is not running',
      '- Address checks (sendmail -bv): skipped: Postfix is not running',
      '✓ Lookup table /etc/postfix/virtual: 2 keys as written (postmap -q hash:/etc/postfix/virtual)',
      '✓ Aliases /etc/aliases: 2 keys as written (postalias -q hash:/etc/aliases)',
      '11 checks: 5 passed, 1 failed, 5 skipped',
      '',
    ]);
    expect(fx.connections).toEqual([]);
  });

  it('a --root sandbox: only its files are checked; no daemon is asked, nothing is dialled', async () => {
    const calls: string[] = [];
    const twin = postfixTwin({
      tables: {
        'hash:/srv/box/etc/postfix/virtual': { postmaster: 'admin@example.org', root: 'admin@example.org' },
        'hash:/srv/box/etc/aliases': { postmaster: 'admin@example.org', root: 'admin@example.org' },
      },
    });
    const fx = createMemoryEffects({
      root: '/srv/box',
      files: { '/etc/postfix/mailsetup.yaml': serializeState(NULL_CLIENT_STATE) },
      run: (cmd, args, opts) => {
        calls.push(`${cmd} ${args.join(' ')}`);
        return twin.run(cmd, args, opts);
      },
    });
    const r = await report(fx);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      'mailsetup --verify: the Postfix of /srv/box/etc/postfix (Postfix 3.7.11)',
      '✓ mailsetup state: role null-client, set up by mailsetup (/srv/box/etc/postfix/mailsetup.yaml)',
      '- Postfix runs: skipped: --root /srv/box: no Postfix runs from a sandbox; only its files are checked',
      '✓ postfix check: no warnings',
      '✓ Outbound TLS: smtp_tls_security_level = may; CA store /etc/ssl/certs/ca-certificates.crt',
      '- Listening addresses: skipped: a sandbox (--root)',
      '- STARTTLS on port 25: skipped: a sandbox (--root)',
      '- No relaying for strangers: skipped: a sandbox (--root)',
      '- Test message to postmaster: skipped: a sandbox (--root)',
      '- Address checks (sendmail -bv): skipped: a sandbox (--root)',
      '✓ Lookup table /etc/postfix/virtual: 2 keys as written (postmap -q hash:/srv/box/etc/postfix/virtual)',
      '✓ Aliases /etc/aliases: 2 keys as written (postalias -q hash:/srv/box/etc/aliases)',
      '11 checks: 5 passed, 0 failed, 6 skipped',
      '',
    ]);
    expect(calls.filter((c) => /status|sendmail/.test(c))).toEqual([]);
    expect(fx.connections).toEqual([]);
  });

  it('no state file: failed, and the role-specific checks say why they are skipped', async () => {
    const r = await report(goodNullClient({ state: null }));
    expect(r.code).toBe(1);
    expect(r.lines[1]).toBe(
      '✗ mailsetup state: no /etc/postfix/mailsetup.yaml: mailsetup has not configured this Postfix (run mailsetup first)',
    );
    // Without a role, loopback only is judged as for any mail host.
    expect(r.lines[5]).toBe(
      '✗ Listening addresses: only loopback listens on port 25 (127.0.0.1:25): a mail host receives no mail from the network (inet_interfaces = loopback-only)',
    );
    expect(r.lines).toContain('- Test message to postmaster: skipped: no role known (no state file)');
    expect(r.lines).toContain('- Address checks (sendmail -bv): skipped: no role known (no state file)');
    expect(r.lines).toContain('- STARTTLS on port 25: skipped: smtpd_tls_security_level = (empty)');
    expect(r.lines.at(-2)).toBe('9 checks: 4 passed, 2 failed, 3 skipped');
  });

  it('postconf fails: one failed check says so, exit 1', async () => {
    const r = await report(
      postfixTwin({ postconfFails: 'postconf: fatal: open /etc/postfix/main.cf: No such file or directory' }),
    );
    expect(r.code).toBe(1);
    expect(r.lines.slice(1)).toEqual([
      '✗ Postfix configuration: postconf -c /etc/postfix exited 1: postconf: fatal: open /etc/postfix/main.cf: No such file or directory',
      '1 checks: 0 passed, 1 failed, 0 skipped',
      '',
    ]);
  });

  it('a check that breaks is reported failed with the reason; the others still run', async () => {
    const fx = goodNullClient();
    const run = fx.run;
    fx.run = async (cmd, args, opts) => {
      if (cmd === 'postfix' && args.at(-1) === 'check') throw new Error('script: cannot open a pseudo-terminal');
      return run(cmd, args, opts);
    };
    const r = await report(fx);
    expect(r.code).toBe(1);
    expect(r.lines[3]).toBe('✗ postfix check: script: cannot open a pseudo-terminal');
    expect(r.lines.at(-2)).toBe('12 checks: 10 passed, 1 failed, 1 skipped');
    expect(r.lines).toContain(
      '✓ Lookup table /etc/postfix/virtual: 2 keys as written (postmap -q hash:/etc/postfix/virtual)',
    );
  });
});
