/** The planner without a machine: round trips, role switches, ownership, drift, actions. */
import { describe, expect, it } from 'vitest';
import { detect } from '../../src/plan/detect.js';
import { plan, planFiles, type PlanInput } from '../../src/plan/plan.js';
import { parseState } from '../../src/plan/state.js';
import { isEmptyPlan, sameChecked, type Plan, type PlannedFiles } from '../../src/model/plan.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import type { Answers, RoleId } from '../../src/model/answers.js';
import { ROLE_IDS } from '../../src/roles/index.js';
import { generator, SEED } from '../helpers/gen-answers.js';
import { afterPlan, fakeHost, freshFiles, templates } from '../helpers/host.js';
import { readDebian } from '../helpers/reference.js';
import { MAIN_CF, STATE_PATH } from '../../src/model/paths.js';
import { certFilesKey, type CertificateCheck } from '../../src/model/tls.js';
import { MainCf } from '../../src/postfix/mainCf.js';
import { certificateCandidates } from '../../src/plan/tls.js';

const host = fakeHost();
const T = templates();

function planFor(
  given: Partial<Answers> & { role: RoleId },
  files: Record<string, string | null>,
  extra: Partial<PlanInput> = {},
): Plan {
  const d = detect(files);
  const answers = resolveAnswers(given, host, d.answers, d.role);
  return plan({ answers, host, files, templates: T, ...extra });
}

const BASE: Record<RoleId, Partial<Answers> & { role: RoleId }> = {
  'null-client': { role: 'null-client', relayhost: '[smtp.example.net]:587', postmaster: 'admin@example.net' },
  'mail-server': { role: 'mail-server', postmaster: 'alice@example.com' },
  'backup-mx': {
    role: 'backup-mx',
    relay_domains: ['example.org'],
    relay_recipients: ['@example.org'],
    transport: { 'example.org': 'relay:[mx1.example.org]' },
    postmaster: 'admin@example.com',
  },
  'firewall-relay': {
    role: 'firewall-relay',
    transport: { 'example.com': 'relay:[mail.inside.example.com]' },
    relay_recipients: ['alice@example.com'],
    postmaster: 'postmaster@example.com',
  },
};

describe('plan on a fresh box', () => {
  it('creates main.cf from the template and runs postmap, newaliases, check and a first start', () => {
    const p = planFor(BASE['backup-mx'], freshFiles());
    expect(p.files.map((f) => f.path)).toEqual([
      '/etc/postfix/main.cf',
      '/etc/aliases',
      '/etc/postfix/relay_recipients',
      '/etc/postfix/transport',
      '/etc/mailname',
      STATE_PATH,
    ]);
    expect(p.files[0].before).toBeNull();
    expect(p.files[0].after?.startsWith(T.mainCf)).toBe(true);
    expect(p.actions).toEqual([
      { kind: 'postmap', map: 'hash:/etc/postfix/relay_recipients', path: '/etc/postfix/relay_recipients' },
      { kind: 'postmap', map: 'hash:/etc/postfix/transport', path: '/etc/postfix/transport' },
      { kind: 'newaliases', path: '/etc/aliases' },
      { kind: 'postfix-check' },
      { kind: 'restart', reason: 'first configuration' },
    ]);
    const transport = p.files.find((f) => f.path === '/etc/postfix/transport');
    expect(transport?.after).toMatch(/\nexample\.org relay:\[mx1\.example\.org\]\n$/);
    expect(p.files.find((f) => f.path === '/etc/mailname')?.after).toBe('example.com\n');
  });

  it('appends the new parameters after the template, sorted by name, and leaves the template bytes alone', () => {
    const p = planFor(BASE['null-client'], freshFiles());
    const after = p.files[0].after ?? '';
    const tail = after
      .slice(T.mainCf.length)
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' = ')[0]);
    expect(tail).toEqual([...tail].sort());
    expect(tail).toContain('relayhost');
  });

  it('chroot off rewrites only the chrooted entries in place, and asks for a restart', () => {
    const p = planFor(
      { ...BASE['mail-server'], chroot: false },
      afterPlan(freshFiles(), planFor(BASE['mail-server'], freshFiles())),
    );
    const master = p.files.find((f) => f.path === '/etc/postfix/master.cf');
    const before = (master?.before ?? '').split('\n');
    const after = (master?.after ?? '').split('\n');
    expect(after.length).toBe(before.length);
    const changed = before.filter((l, i) => l !== after[i]);
    // 19 chrooted entries, plus relay's -o line that postconf's -Me re-indents.
    expect(changed.length).toBe(20);
    expect(after[11]).toBe('smtp       inet  n       -       n       -       -       smtpd');
    expect(p.actions.map((a) => a.kind)).toEqual(['postfix-check', 'restart']);
  });

  it("a chroot change keeps a service's daemon flags (-v) and options", () => {
    const files = freshFiles();
    files['/etc/postfix/master.cf'] = (files['/etc/postfix/master.cf'] ?? T.masterCf).replace(
      /^smtp +inet +n +- +y +- +- +smtpd$/m,
      'smtp      inet  n       -       y       -       -       smtpd -v -o smtpd_banner=$myhostname',
    );
    const p = planFor({ ...BASE['mail-server'], chroot: false }, files);
    const after = p.files.find((f) => f.path === '/etc/postfix/master.cf')?.after ?? '';
    // postconf -Me's form: the fields on the first line, each option and flag on a line of its own.
    expect(after).toContain(
      'smtp       inet  n       -       n       -       -       smtpd\n    -o smtpd_banner=$myhostname\n    -v\n',
    );
  });
});

describe("a Debian 13 box: its package's templates, no /etc/aliases", () => {
  const T13 = {
    ...T,
    mainCf: readDebian('trixie/main.cf.debian'),
    masterCf: readDebian('trixie/master.cf'),
    mainCfFrom: '/usr/share/postfix/main.cf.debian',
    masterCfFrom: '/usr/share/postfix/master.cf.dist',
  };
  /** "No configuration" on Debian 13: master.cf as installed, no main.cf, no /etc/aliases. */
  const fresh13 = (): Record<string, string | null> => ({
    '/etc/postfix/master.cf': T13.masterCf,
    '/etc/rsyslog.d/postfix.conf': readDebian('rsyslog.d/postfix.conf'),
  });
  const plan13 = (given: Partial<Answers> & { role: RoleId }, files: Record<string, string | null>): Plan => {
    const d = detect(files);
    return plan({ answers: resolveAnswers(given, host, d.answers, d.role), host, files, templates: T13 });
  };

  it("main.cf starts from the package's main.cf.debian and says so; aliases is a new file", () => {
    const p = plan13(BASE['null-client'], fresh13());
    const main = p.files.find((f) => f.path === '/etc/postfix/main.cf');
    expect(main?.before).toBeNull();
    expect(main?.after?.startsWith(T13.mainCf.slice(0, T13.mainCf.indexOf('myorigin =')))).toBe(true);
    expect(main?.after).toContain('compatibility_level = 3.9\n');
    expect(main?.after).toContain('smtpd_banner = $myhostname ESMTP $mail_name (Debian)\n');
    expect(main?.description).toBe('Postfix main configuration, started from /usr/share/postfix/main.cf.debian');
    const aliases = p.files.find((f) => f.path === '/etc/aliases');
    expect(aliases).toMatchObject({ before: null, mode: 0o644 });
    expect(aliases?.after).toBe(
      `${T.aliases}root: admin@example.net\n`.replace('postmaster:    root', 'postmaster: admin@example.net'),
    );
    const kinds = p.actions.map((a) => a.kind);
    expect(kinds.indexOf('newaliases')).toBeLessThan(kinds.indexOf('postfix-check'));
    // The template's own values of parameters the role sets are rewritten in place, not duplicated.
    const cf = main?.after ?? '';
    for (const name of ['myorigin', 'mynetworks', 'mydestination', 'relayhost', 'alias_maps', 'inet_protocols']) {
      expect(cf.match(new RegExp(`^${name} =`, 'gm'))?.length, name).toBe(1);
    }
    expect(p.files.find((f) => f.path === '/etc/postfix/master.cf')).toBeUndefined();
  });

  it('the state records aliases as created: a role switch keeps it, and every role round-trips', () => {
    for (const role of ROLE_IDS) {
      const first = afterPlan(fresh13(), plan13(BASE[role], fresh13()));
      expect(parseState(first[STATE_PATH] ?? '').created).toContain('/etc/aliases');
      expect(isEmptyPlan(plan13(BASE[role], first)), role).toBe(true);
      for (const other of ROLE_IDS.filter((r) => r !== role)) {
        const switched = afterPlan(first, plan13(BASE[other], first));
        const back = afterPlan(switched, plan13(BASE[role], switched));
        for (const path of Object.keys(first))
          expect(back[path], `${role} → ${other} → ${role}: ${path}`).toBe(first[path]);
      }
    }
  });
});

describe('round trips', () => {
  const g = generator(SEED);
  for (const role of ROLE_IDS) {
    it(`${role}: detect(plan(a)) gives a back and planning again changes nothing (seed ${SEED}, 25 answer sets)`, () => {
      for (let i = 0; i < 25; i++) {
        const given = g.answers(role);
        const answers = resolveAnswers(given, host);
        const files = afterPlan(freshFiles(), plan({ answers, host, files: freshFiles(), templates: T }));
        const d = detect(files);
        expect(d.role).toBe(role);
        expect(d.source).toBe('state');
        expect(resolveAnswers({ ...d.answers, role }, host)).toEqual(answers);
        const again = planFor({ role }, files);
        expect(again.files).toEqual([]);
        expect(again.actions).toEqual([]);
        expect(isEmptyPlan(again)).toBe(true);
      }
    });
    it(`${role}: the same with the knobs of the documents' recipes (seed ${SEED}, 40 answer sets)`, () => {
      for (let i = 0; i < 40; i++) {
        const given = g.recipes(role);
        const answers = resolveAnswers(given, host);
        const files = afterPlan(freshFiles(), plan({ answers, host, files: freshFiles(), templates: T }));
        const d = detect(files);
        expect(d.role).toBe(role);
        expect(d.source).toBe('state');
        expect(resolveAnswers({ ...d.answers, role }, host)).toEqual(answers);
        const again = planFor({ role }, files);
        expect(again.files).toEqual([]);
        expect(again.actions).toEqual([]);
        expect(isEmptyPlan(again)).toBe(true);
      }
    });
  }

  it('recognises each role from the files alone (no state file)', () => {
    for (const role of ROLE_IDS) {
      const files = afterPlan(freshFiles(), planFor(BASE[role], freshFiles()));
      files[STATE_PATH] = null;
      const d = detect(files);
      expect(d.role).toBe(role);
      expect(d.source).toBe('config');
      expect(d.answers.postmaster).toBe(BASE[role].postmaster);
    }
  });

  it("recognises the documents' recipes from the files alone, with their knobs", () => {
    const alone = (given: Partial<Answers> & { role: RoleId }) => {
      const files = afterPlan(freshFiles(), planFor(given, freshFiles()));
      files[STATE_PATH] = null;
      return detect(files);
    };
    // STANDARD's firewall/gateway: relay_domains = $mydomain.
    const gw = alone({
      ...BASE['firewall-relay'],
      relay_domains: ['$mydomain'],
      smtpd_recipient_restrictions: ['reject_unknown_sender_domain', 'reject_rbl_client zen.spamhaus.org'],
    });
    expect(gw.role).toBe('firewall-relay');
    expect(gw.answers).toMatchObject({
      relay_domains: ['$mydomain'],
      smtpd_recipient_restrictions: ['reject_unknown_sender_domain', 'reject_rbl_client zen.spamhaus.org'],
    });
    // STANDARD's other machine of the LAN: its own names only, all mail to the mailhost.
    const lan = alone({
      ...BASE['mail-server'],
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'],
      relayhost: '$mydomain',
      mynetworks_style: 'host',
      fallback_relay: ['[backup.example.com]'],
      defer_transports: ['smtp'],
      smtp_dns_support_level: 'disabled',
      smtp_generic_maps: { '@localdomain.local': 'me@isp.example' },
    });
    expect(lan.role).toBe('mail-server');
    expect(lan.answers).toMatchObject({
      mydestination: ['$myhostname', 'localhost.$mydomain', 'localhost'],
      relayhost: '$mydomain',
      mynetworks_style: 'host',
      fallback_relay: ['[backup.example.com]'],
      defer_transports: ['smtp'],
      smtp_dns_support_level: 'disabled',
      smtp_generic_maps: { '@localdomain.local': 'me@isp.example' },
    });
    // BASIC's backup MX: relay_domains = $mydestination, the backed-up domain.
    const bmx = alone({ ...BASE['backup-mx'], relay_domains: ['$mydestination', 'example.org'] });
    expect(bmx.role).toBe('backup-mx');
    expect(bmx.answers.relay_domains).toEqual(['$mydestination', 'example.org']);
    // A pattern file in mynetworks is an answer like a list of networks.
    const files = afterPlan(freshFiles(), planFor(BASE['mail-server'], freshFiles()));
    files[STATE_PATH] = null;
    files['/etc/postfix/main.cf'] = (files['/etc/postfix/main.cf'] ?? '').replace(
      /^mynetworks = .*$/m,
      'mynetworks = /etc/postfix/network_table',
    );
    expect(detect(files).answers.mynetworks).toEqual(['/etc/postfix/network_table']);
    // Postfix's old default relay_domains = $mydestination relays for no other domain: no answer.
    files['/etc/postfix/main.cf'] = (files['/etc/postfix/main.cf'] ?? '').replace(
      /^relay_domains =.*$/m,
      'relay_domains = $mydestination',
    );
    expect(detect(files).answers.relay_domains).toBeUndefined();
    expect(detect(files).role).toBe('mail-server');
  });

  it("the recipes' knobs taken back on a re-run leave the files as if they had never been given", () => {
    const plain = afterPlan(freshFiles(), planFor(BASE['mail-server'], freshFiles()));
    const withKnobs = afterPlan(
      plain,
      planFor(
        {
          ...BASE['mail-server'],
          mynetworks_style: 'host',
          fallback_relay: ['[backup.example.com]'],
          defer_transports: ['smtp'],
          smtp_dns_support_level: 'disabled',
          smtp_generic_maps: { '@localdomain.local': 'me@isp.example' },
          smtpd_recipient_restrictions: ['reject_unknown_sender_domain'],
          aliases: { joe: 'joe@joes.preferred.machine' },
          virtual: { root: 'root@localhost' },
        },
        plain,
      ),
    );
    const main = withKnobs['/etc/postfix/main.cf'] ?? '';
    for (const line of [
      'mynetworks_style = host',
      'fallback_relay = [backup.example.com]',
      'defer_transports = smtp',
      'smtp_dns_support_level = disabled',
      'smtp_generic_maps = hash:/etc/postfix/generic',
      'smtpd_recipient_restrictions = reject_unknown_sender_domain',
      'virtual_alias_maps = hash:/etc/postfix/virtual',
    ])
      expect(main.split('\n')).toContain(line);
    expect(withKnobs['/etc/aliases']).toContain('joe: joe@joes.preferred.machine');
    const back = afterPlan(
      withKnobs,
      planFor(
        {
          ...BASE['mail-server'],
          mynetworks: detect(plain).answers.mynetworks,
          fallback_relay: [],
          defer_transports: [],
          smtp_dns_support_level: '',
          smtp_generic_maps: {},
          smtpd_recipient_restrictions: [],
          aliases: {},
          virtual: {},
        },
        withKnobs,
      ),
    );
    for (const path of Object.keys({ ...plain, ...back })) {
      if (path === STATE_PATH) continue;
      expect({ path, text: back[path] ?? null }).toEqual({ path, text: plain[path] ?? null });
    }
  });

  it('every role → every other role → back again ends byte-identical', () => {
    for (const a of ROLE_IDS) {
      const start = afterPlan(freshFiles(), planFor(BASE[a], freshFiles()));
      for (const b of ROLE_IDS) {
        if (a === b) continue;
        const mid = afterPlan(start, planFor(BASE[b], start));
        const back = afterPlan(mid, planFor(BASE[a], mid));
        for (const path of Object.keys({ ...start, ...back })) {
          expect({ path, text: back[path] ?? null }).toEqual({ path, text: start[path] ?? null });
        }
      }
    }
  });

  it('a role change leaves no parameter of the old role behind', () => {
    const fw = afterPlan(freshFiles(), planFor(BASE['firewall-relay'], freshFiles()));
    const nc = afterPlan(fw, planFor(BASE['null-client'], fw));
    const main = nc['/etc/postfix/main.cf'] ?? '';
    for (const gone of [
      'local_transport',
      'local_recipient_maps',
      'transport_maps',
      'relay_recipient_maps',
      'parent_domain_matches_subdomains',
      'smtpd_relay_restrictions',
    ]) {
      expect(main).not.toMatch(new RegExp(`^${gone} =`, 'm'));
    }
    expect(nc['/etc/postfix/transport']).toBeNull();
    expect(nc['/etc/postfix/relay_recipients']).toBeNull();
    expect(nc['/etc/postfix/master.cf']).toBe(freshFiles()['/etc/postfix/master.cf']);
  });
});

describe('planFiles: the files and commands of plan() alone, for the check an apply starts first', () => {
  // A host with certificates to find, so that the certificates' checks (which planFiles is not
  // given) would show wherever they changed more than the findings.
  const tlsHost = fakeHost({
    tls: {
      lineages: [],
      snakeoil: true,
      caBundle: true,
      sslCertGid: 103,
      resolver: { validating: false, nameservers: [], detail: '' },
    },
  });
  const failing = (answers: PlanInput['answers'], files: Record<string, string | null>) => {
    const out: Record<string, CertificateCheck> = {};
    for (const f of certificateCandidates(answers, tlsHost, MainCf.parse(files[MAIN_CF] ?? '')))
      out[certFilesKey(f)] = {
        files: f,
        exists: true,
        errors: ['the key does not match the certificate'],
        warnings: [],
      };
    return out;
  };
  const withoutState = (p: PlannedFiles) => p.files.filter((f) => f.path !== STATE_PATH);
  const g = generator(SEED + 7);
  it(`fresh and re-run with other answers (role switches too): plan() but the state file (seed ${SEED + 7}, 4 × 30 cases)`, () => {
    let withCerts = 0;
    for (const role of ROLE_IDS) {
      for (let i = 0; i < 30; i++) {
        const first = resolveAnswers(g.recipes(role), tlsHost);
        const fresh = freshFiles();
        const configured = afterPlan(fresh, plan({ answers: first, host: tlsHost, files: fresh, templates: T }));
        const next = g.pick(ROLE_IDS);
        const d = detect(configured);
        const second = resolveAnswers(g.recipes(next), tlsHost, d.answers, d.role);
        for (const [answers, files] of [
          [first, fresh],
          [second, configured],
        ] as const) {
          const input: PlanInput = { answers, host: tlsHost, files, templates: T };
          const certs = failing(answers, files);
          if (Object.keys(certs).length > 0) withCerts++;
          const full = plan({ ...input, certs });
          const alone = planFiles(input);
          expect(withoutState(alone)).toEqual(withoutState(full));
          expect(alone.actions).toEqual(full.actions);
          expect(sameChecked(alone, full)).toBe(true);
          expect(alone.files.some((f) => f.path === STATE_PATH && f.before !== f.after)).toBe(false);
          expect(Object.keys(alone).sort()).toEqual(['actions', 'files']);
        }
      }
    }
    // The certificates' checks were there to ignore in most cases (every role but the null client receives mail).
    expect(withCerts).toBeGreaterThan(100);
  });

  it('sameChecked tells apart any difference a check could see: contents, modes, secrets, commands; not the state file', () => {
    const files = freshFiles();
    const answers = resolveAnswers(BASE['backup-mx'], host);
    const p = plan({ answers, host, files, templates: T });
    const main = p.files.findIndex((f) => f.path === MAIN_CF);
    const changed = (i: number, over: Partial<Plan['files'][number]>): PlannedFiles => ({
      files: p.files.map((f, j) => (j === i ? { ...f, ...over } : f)),
      actions: p.actions,
    });
    expect(sameChecked(p, { files: [...p.files], actions: [...p.actions] })).toBe(true);
    expect(sameChecked(p, changed(main, { after: `${p.files[main].after ?? ''}# one more line\n` }))).toBe(false);
    expect(sameChecked(p, changed(main, { before: '' }))).toBe(false);
    expect(sameChecked(p, changed(main, { mode: 0o600 }))).toBe(false);
    expect(sameChecked(p, changed(main, { modeBefore: 0o666, mode: 0o644 }))).toBe(false);
    expect(sameChecked(p, changed(main, { secret: true }))).toBe(false);
    expect(sameChecked(p, { files: p.files, actions: p.actions.slice(1) })).toBe(false);
    expect(sameChecked(p, { files: p.files.filter((f) => f.path !== MAIN_CF), actions: p.actions })).toBe(false);
    const state = p.files.findIndex((f) => f.path === STATE_PATH);
    expect(state).toBeGreaterThanOrEqual(0);
    expect(sameChecked(p, changed(state, { after: 'version: 1\n' }))).toBe(true);
    expect(sameChecked(p, { files: p.files.filter((f) => f.path !== STATE_PATH), actions: p.actions })).toBe(true);
  });
});

describe('ownership', () => {
  it('keeps every parameter and comment it does not own byte-for-byte', () => {
    const files = freshFiles();
    files['/etc/postfix/main.cf'] =
      '# my notes\nmyhostname = old.example.com\n  # indented comment\nmessage_size_limit = 5\n\r\nsmtpd_banner = $myhostname  ESMTP\n';
    const p = planFor(BASE['mail-server'], files);
    const after = p.files.find((f) => f.path === '/etc/postfix/main.cf')?.after ?? '';
    // myhostname is this host's current value: a re-run offers it as the default and keeps it.
    expect(
      after.startsWith(
        '# my notes\nmyhostname = old.example.com\n  # indented comment\nmessage_size_limit = 5\n\r\nsmtpd_banner = $myhostname  ESMTP\nalias_database = ',
      ),
    ).toBe(true);
    const renamed = planFor({ ...BASE['mail-server'], myhostname: 'new.example.com' }, files).files[0].after ?? '';
    expect(
      renamed.startsWith(
        '# my notes\nmyhostname = new.example.com\n  # indented comment\nmessage_size_limit = 5\n\r\nsmtpd_banner = $myhostname  ESMTP\nalias_database = ',
      ),
    ).toBe(true);
    const state = parseState(p.files.find((f) => f.path === STATE_PATH)?.after ?? '');
    expect(state.main.previous.myhostname).toBe('old.example.com');
    expect(state.main.previous.relayhost).toBeNull();
  });

  it('restores a parameter it overwrote to its earlier value when the new role does not set it', () => {
    const files = freshFiles();
    files['/etc/postfix/main.cf'] = 'proxy_interfaces = 192.0.2.1\nrelay_domains = legacy.example\n';
    const ms = afterPlan(files, planFor({ ...BASE['mail-server'], proxy_interfaces: ['203.0.113.9'] }, files));
    expect(ms['/etc/postfix/main.cf']).toMatch(/^proxy_interfaces = 203\.0\.113\.9\nrelay_domains = \n/);
    const nc = afterPlan(ms, planFor(BASE['null-client'], ms));
    expect(nc['/etc/postfix/main.cf']).toMatch(/^proxy_interfaces = 192\.0\.2\.1\nrelay_domains = \n/);
  });

  it('shows a hand edit as drift and keeps it, or takes its own value when told', () => {
    const files = afterPlan(freshFiles(), planFor(BASE['mail-server'], freshFiles()));
    files['/etc/postfix/main.cf'] = (files['/etc/postfix/main.cf'] ?? '').replace(
      'notify_classes = resource, software',
      'notify_classes = resource, software, bounce',
    );
    const keep = planFor({ role: 'mail-server' }, files);
    expect(keep.drift).toEqual([
      { name: 'notify_classes', ours: 'resource, software', now: 'resource, software, bounce' },
    ]);
    // Kept, and still not mailsetup's: the ledger goes on recording mailsetup's value (issue 13), so
    // nothing changes, the state file included.
    expect(keep.files.map((f) => f.path)).toEqual([]);
    expect(keep.findings.find((f) => f.id === 'hand-edit')?.message).toBe(
      'notify_classes was changed by hand since mailsetup set it (mailsetup: ' +
        '"resource, software", now: "resource, software, bounce"): keeping the ' +
        "hand edit (override overwrite-hand-edits to take mailsetup's value)",
    );
    const viaOverride = planFor({ role: 'mail-server', overrides: ['overwrite-hand-edits'] }, files);
    expect(viaOverride.params.map((x) => [x.name, x.after])).toEqual([['notify_classes', 'resource, software']]);
    const ours = planFor({ role: 'mail-server' }, files, { handEdits: 'ours' });
    expect(ours.params.map((x) => [x.name, x.before, x.after])).toEqual([
      ['notify_classes', 'resource, software, bounce', 'resource, software'],
    ]);
    expect(ours.actions.map((a) => a.kind)).toEqual(['postfix-check', 'reload']);
  });

  it('a new answer wins over an old hand edit of the same parameter', () => {
    const files = afterPlan(freshFiles(), planFor(BASE['mail-server'], freshFiles()));
    files['/etc/postfix/main.cf'] = (files['/etc/postfix/main.cf'] ?? '').replace(
      'relayhost = \n',
      'relayhost = [hand.example.net]\n',
    );
    const p = planFor({ role: 'mail-server', relayhost: '[new.example.net]' }, files);
    expect(p.params.find((x) => x.name === 'relayhost')?.after).toBe('[new.example.net]');
  });

  it('expands parameter values in the summary', () => {
    const p = planFor(BASE['null-client'], freshFiles());
    const origin = p.params.find((x) => x.name === 'myorigin');
    expect(origin).toMatchObject({
      before: undefined,
      after: '$mydomain',
      beforeExpanded: 'mx.example.com',
      afterExpanded: 'example.com',
    });
  });
});
