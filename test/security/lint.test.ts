/**
 * What the linter must not let through (security audit M5, M6): an open relay set in master.cf
 * with -o overrides, a null client's service listening on every address, and next hops that
 * loop (refused), drop, bounce, defer or run a command (a warning with an override id), on a
 * sandbox with Debian's master.cf, as a user runs it (--dry-run: the findings are the plan's).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { describePostfix } from '../helpers/postfix.js';
import { ANSWERS, Lab, mailsetup } from './helpers.js';

/** The timeout of every test here (a file's vi.setConfig does not last in a shared worker). */
const TIMEOUT = { timeout: 180_000 };
const lab = new Lab('mailsetup-sec-lint-');
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => lab.remove());

const SMTP_LINE = /^smtp {6}inet {2}n {7}- {7}y {7}- {7}- {7}smtpd$/m;

/** A sandbox whose master.cf had `edit` done to it by hand. */
function sandboxWith(edit: (masterCf: string) => string): string {
  const d = lab.sandbox();
  const p = join(d, 'etc/postfix/master.cf');
  writeFileSync(p, edit(readFileSync(p, 'utf8')));
  return d;
}

const dryRun = (d: string, answers: string) => mailsetup(['--root', d, '--answers', lab.answers(answers), '--dry-run']);

describePostfix('M5: master.cf -o overrides are linted like main.cf', TIMEOUT, () => {
  it('an open relay on the smtp service (-o smtpd_relay_restrictions=permit -o mynetworks=0.0.0.0/0) is refused', async () => {
    const d = sandboxWith((t) =>
      t.replace(SMTP_LINE, (l) => `${l}\n  -o smtpd_relay_restrictions=permit\n  -o mynetworks=0.0.0.0/0`),
    );
    const r = await dryRun(d, ANSWERS.ms);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain(
      'error   mynetworks-public: master.cf service smtp/inet: mynetworks contains 0.0.0.0/0: every client on the ' +
        'Internet could relay through this host (open relay)',
    );
    expect(r.stdout).toContain(
      'error   relay-restrictions: master.cf service smtp/inet: neither smtpd_relay_restrictions',
    );
    expect(r.stderr).toContain('mailsetup: refusing to apply: 2 errors above');
  });

  it('restrictions that reject strangers pass: permit_sasl_authenticated, reject', async () => {
    const d = sandboxWith((t) =>
      t.replace(SMTP_LINE, (l) => `${l}\n  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject`),
    );
    const r = await dryRun(d, ANSWERS.ms);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).not.toContain('relay-restrictions');
  });

  it('a null client with a service listening on every address breaks "listens on loopback only"', async () => {
    const d = sandboxWith((t) => `${t}0.0.0.0:2525 inet n - y - - smtpd\n`);
    const r = await dryRun(d, ANSWERS.nc);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('service-listens-outside');
    expect(r.stdout).toContain('0.0.0.0:2525');
  });
});

const M6 = 'M6: next hops that loop are refused; those that do not relay are warned with an override id';

describePostfix(M6, TIMEOUT, () => {
  const fw = (hop: string) =>
    JSON.stringify({
      role: 'firewall-relay',
      myhostname: 'gw.example.com',
      postmaster: 'admin@example.com',
      relay_domains: ['example.org'],
      transport: { 'example.org': hop },
      relay_recipients: ['@example.org'],
    });
  const ms = (relayhost: string) =>
    JSON.stringify({ role: 'mail-server', myhostname: 'mail.example.com', postmaster: 'admin@example.com', relayhost });

  it('transport loops and $names are refused', async () => {
    for (const hop of ['relay:[0.0.0.0]', 'relay:[::ffff:127.0.0.1]', 'relay:[localhost.localdomain]']) {
      const r = await dryRun(lab.sandbox(), fw(hop));
      expect(r.status, hop).toBe(2);
      expect(r.stdout, hop).toContain('error   mail-loop: transport for example.org points at');
      expect(r.stdout, hop).toContain('would loop back to myself');
    }
    for (const hop of ['relay:$myhostname', 'relay:[$myhostname]']) {
      const r = await dryRun(lab.sandbox(), fw(hop));
      expect(r.status, hop).toBe(2);
      expect(r.stderr, hop).toContain('transport(5) does not expand $names');
    }
  });

  it('relayhost loops, $mydestination among them, are refused; nonsense $names and service names too', async () => {
    for (const rh of ['$mydestination', '[0.0.0.0]', '[::]', '[::ffff:7f00:1]', '[localhost.localdomain]']) {
      const r = await dryRun(lab.sandbox(), ms(rh));
      expect(r.status, rh).toBe(2);
      expect(r.stdout, rh).toContain('error   mail-loop: relayhost');
    }
    const cd = await dryRun(lab.sandbox(), ms('$config_directory'));
    expect(cd.status).toBe(2);
    expect(cd.stderr).toContain('$config_directory is not a host name');
    const svc = await dryRun(lab.sandbox(), ms('[smtp.example.net]:nosuchservice'));
    expect(svc.status).toBe(2);
    expect(svc.stderr).toContain('port "nosuchservice" is not a mail service name');
  });

  it('local (disabled by this role) and evil:x are services master.cf does not have: refused', async () => {
    for (const [hop, service] of [
      ['local', 'local'],
      ['evil:x', 'evil'],
    ] as const) {
      const r = await dryRun(lab.sandbox(), fw(hop));
      expect(r.status, hop).toBe(2);
      expect(r.stdout, hop).toContain(
        `error   transport-unknown: transport for example.org is ${hop}: master.cf has no service ${service}`,
      );
    }
  });

  it('virtual:, pipe:, discard:, error: and retry: are warnings with the override id nexthop-not-relayed', async () => {
    for (const [hop, what] of [
      ['virtual:', 'is delivered into mailboxes on this host (virtual), not passed on'],
      ['pipe:', 'is given to a command (pipe)'],
      ['discard:', 'is dropped without a word (discard)'],
      ['error:', 'is bounced to its senders (error)'],
      ['retry:', 'is deferred until it expires (retry)'],
    ] as const) {
      const r = await dryRun(lab.sandbox(), fw(hop));
      expect(r.stdout, hop).toContain(
        `warning nexthop-not-relayed: transport for example.org is ${hop}: mail for example.org ${what}`,
      );
      expect(r.stdout, hop).toContain('override id: nexthop-not-relayed');
    }
  });
});
