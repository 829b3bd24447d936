/**
 * Re-runs you can trust (issue 13), on the planner without a machine: a hand edit stays the
 * user's on every later run until the user takes mailsetup's value; the state file records only
 * the answers the role used; a state file without main.cf is a fresh box; the modes Postfix
 * expects; the lookup tables main.cf stops using; the questions and the header say what was
 * changed by hand.
 */
import { describe, expect, it } from 'vitest';
import { detect, STALE_STATE_LINE } from '../../src/plan/detect.js';
import { findHandEdits, handEditChoices } from '../../src/plan/handEdits.js';
import { plan, type PlanInput } from '../../src/plan/plan.js';
import { parseState } from '../../src/plan/state.js';
import { isEmptyPlan, type Plan } from '../../src/model/plan.js';
import type { FileMeta } from '../../src/model/effects.js';
import { questionsFor } from '../../src/roles/questions.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { rolesUsing, unusedAnswers, unusedReason, usedKeys } from '../../src/roles/usage.js';
import type { Answers, RoleId } from '../../src/model/answers.js';
import { ROLE_IDS } from '../../src/roles/index.js';
import { afterPlan, fakeHost, freshFiles, templates } from '../helpers/host.js';
import { ALIASES, MAIN_CF, MASTER_CF, STATE_PATH } from '../../src/model/paths.js';

const host = fakeHost();
const T = templates();
type Files = Record<string, string | null>;

function planFor(given: Partial<Answers> & { role: RoleId }, files: Files, extra: Partial<PlanInput> = {}): Plan {
  const d = detect(files);
  const answers = resolveAnswers(given, host, d.answers, d.role);
  return plan({ answers, host, files, templates: T, ...extra });
}

const MS: Partial<Answers> & { role: RoleId } = {
  role: 'mail-server',
  postmaster: 'alice@example.com',
  mynetworks: ['127.0.0.0/8', '192.168.10.0/24'],
};
const BMX: Partial<Answers> & { role: RoleId } = {
  role: 'backup-mx',
  relay_domains: ['example.org'],
  relay_recipients: ['@example.org'],
  transport: { 'example.org': 'relay:[mx1.example.org]' },
  postmaster: 'admin@example.com',
};

/** The files after one apply of `given` on a fresh box. */
function applied(given: Partial<Answers> & { role: RoleId }): Files {
  return afterPlan(freshFiles(), planFor(given, freshFiles()));
}

/** main.cf with `name = value` in place of its current line (postconf -e). */
function handEdit(files: Files, name: string, value: string | null): Files {
  const main = files[MAIN_CF] ?? '';
  const re = new RegExp(`^${name} =.*\\n`, 'm');
  expect(main).toMatch(re);
  return { ...files, [MAIN_CF]: main.replace(re, value === null ? '' : `${name} = ${value}\n`) };
}

const owned = (files: Files, name: string) => parseState(files[STATE_PATH] ?? '').main.owned[name];
const mainValue = (files: Files, name: string) =>
  new RegExp(`^${name} = (.*)$`, 'm').exec(files[MAIN_CF] ?? '')?.[1] ?? undefined;

describe('a kept hand edit stays the user’s on every later run', () => {
  const OURS = '$myhostname, localhost.$mydomain, localhost, $mydomain';
  const HAND = '$myhostname, localhost';

  it('mydestination edited by hand (postconf -e): kept, drift on each of three re-runs, never recorded as mailsetup’s', () => {
    let files = handEdit(applied(MS), 'mydestination', HAND);
    for (let run = 1; run <= 3; run++) {
      const p = planFor(MS, files);
      expect(p.drift, `run ${run}`).toEqual([{ name: 'mydestination', ours: OURS, now: HAND }]);
      expect(p.findings.find((f) => f.id === 'hand-edit')?.message, `run ${run}`).toContain('keeping the hand edit');
      expect(isEmptyPlan(p), `run ${run}: nothing to write, the state file included`).toBe(true);
      files = afterPlan(files, p);
      expect(mainValue(files, 'mydestination'), `run ${run}`).toBe(HAND);
      expect(owned(files, 'mydestination'), `run ${run}`).toBe(OURS);
    }
  });

  it('the same with the wizard’s defaults (only the role given): the question offers the hand edit and it stays', () => {
    let files = handEdit(applied(MS), 'mynetworks', '127.0.0.0/8 10.1.0.0/16');
    for (let run = 1; run <= 3; run++) {
      const d = detect(files);
      expect(d.answers.mynetworks, `run ${run}`).toEqual(['127.0.0.0/8', '10.1.0.0/16']);
      const p = planFor({ role: 'mail-server' }, files);
      expect(
        p.drift.map((x) => x.name),
        `run ${run}`,
      ).toEqual(['mynetworks']);
      expect(p.files, `run ${run}`).toEqual([]);
      files = afterPlan(files, p);
      expect(mainValue(files, 'mynetworks')).toBe('127.0.0.0/8 10.1.0.0/16');
      expect(owned(files, 'mynetworks')).toBe('127.0.0.0/8, 192.168.10.0/24');
      // The ledger's answer stays mailsetup's too: no state rewrite for a hand edit.
      expect(parseState(files[STATE_PATH] ?? '').answers.mynetworks).toEqual(['127.0.0.0/8', '192.168.10.0/24']);
    }
  });

  it('a parameter removed by hand stays removed on later runs', () => {
    let files = handEdit(applied(MS), 'notify_classes', null);
    for (let run = 1; run <= 2; run++) {
      const p = planFor(MS, files);
      expect(p.drift, `run ${run}`).toEqual([{ name: 'notify_classes', ours: 'resource, software', now: undefined }]);
      files = afterPlan(files, p);
      expect(files[MAIN_CF]).not.toMatch(/^notify_classes =/m);
      expect(owned(files, 'notify_classes')).toBe('resource, software');
    }
  });

  it('the user takes mailsetup’s value back (the wizard’s answer, h, or the override); later runs have no drift', () => {
    const files = handEdit(applied(MS), 'mynetworks', '127.0.0.0/8 10.1.0.0/16');
    const edits = detect(files).handEdits ?? [];
    expect(edits).toEqual([
      {
        name: 'mynetworks',
        ours: '127.0.0.0/8, 192.168.10.0/24',
        now: '127.0.0.0/8 10.1.0.0/16',
        key: 'mynetworks',
        oursAnswer: ['127.0.0.0/8', '192.168.10.0/24'],
        nowAnswer: ['127.0.0.0/8', '10.1.0.0/16'],
      },
    ]);
    // The wizard: an answer that differs from the offered hand edit and equals mailsetup's value.
    const asked = { role: 'mail-server', mynetworks: ['127.0.0.0/8', '192.168.10.0/24'] };
    expect(handEditChoices(asked, edits)).toEqual({ mynetworks: 'ours' });
    expect(handEditChoices({ role: 'mail-server', mynetworks: ['127.0.0.0/8', '10.1.0.0/16'] }, edits)).toEqual({});
    for (const extra of [{ handEdits: handEditChoices(asked, edits) }, { handEdits: 'ours' as const }] as Array<
      Partial<PlanInput>
    >) {
      const p = planFor({ role: 'mail-server' }, files, extra);
      const after = afterPlan(files, p);
      expect(mainValue(after, 'mynetworks')).toBe('127.0.0.0/8, 192.168.10.0/24');
      expect(p.findings.find((f) => f.id === 'hand-edit')?.message).toContain("taking mailsetup's value");
      const next = planFor({ role: 'mail-server' }, after);
      expect(next.drift).toEqual([]);
      expect(isEmptyPlan(next)).toBe(true);
    }
    const viaOverride = planFor({ role: 'mail-server', overrides: ['overwrite-hand-edits'] }, files);
    expect(mainValue(afterPlan(files, viaOverride), 'mynetworks')).toBe('127.0.0.0/8, 192.168.10.0/24');
  });

  it('a new value asked for takes over the hand edit and becomes mailsetup’s', () => {
    const files = handEdit(applied(MS), 'mynetworks', '127.0.0.0/8 10.1.0.0/16');
    const p = planFor({ ...MS, mynetworks: ['127.0.0.0/8', '10.2.0.0/16'] }, files);
    const after = afterPlan(files, p);
    expect(mainValue(after, 'mynetworks')).toBe('127.0.0.0/8, 10.2.0.0/16');
    expect(owned(after, 'mynetworks')).toBe('127.0.0.0/8, 10.2.0.0/16');
    expect(p.findings.find((f) => f.id === 'hand-edit')?.message).toContain(
      'taking the value asked for now ("127.0.0.0/8, 10.2.0.0/16")',
    );
  });

  it('a hand edit of a parameter the new role drops is left as it is and is no longer mailsetup’s', () => {
    const files = handEdit(applied(BMX), 'transport_maps', 'hash:/etc/postfix/transport, hash:/etc/postfix/extra');
    const p = planFor({ role: 'mail-server', postmaster: 'admin@example.com' }, files);
    const after = afterPlan(files, p);
    expect(mainValue(after, 'transport_maps')).toBe('hash:/etc/postfix/transport, hash:/etc/postfix/extra');
    expect(owned(after, 'transport_maps')).toBeUndefined();
    expect(p.findings.find((f) => f.id === 'hand-edit')?.message).toContain(
      'the new role does not set it: the hand edit stays, and mailsetup no longer owns it',
    );
    // Asked to take mailsetup's values, the parameter goes back to how it was before mailsetup.
    const ours = afterPlan(
      files,
      planFor({ role: 'mail-server', postmaster: 'admin@example.com' }, files, { handEdits: 'ours' }),
    );
    expect(ours[MAIN_CF]).not.toMatch(/^transport_maps =/m);
  });

  it('the questions and the start header say "changed by hand"', () => {
    const files = handEdit(handEdit(applied(MS), 'mynetworks', '127.0.0.0/8 10.1.0.0/16'), 'mydestination', HAND);
    const d = detect(files);
    expect(d.summary).toContain(
      '  mynetworks = 127.0.0.0/8 10.1.0.0/16 (changed by hand; mailsetup set 127.0.0.0/8, 192.168.10.0/24)',
    );
    expect(d.summary).toContain(`  mydestination = ${HAND} (changed by hand; mailsetup set ${OURS})`);
    const q = questionsFor('mail-server', host, d.answers, d.role, {}, {}, d.handEdits).find(
      (x) => x.key === 'mynetworks',
    );
    expect(q?.default).toEqual(['127.0.0.0/8', '10.1.0.0/16']);
    expect(q?.explain).toBe(
      'changed by hand: main.cf has 127.0.0.0/8 10.1.0.0/16, mailsetup had set 127.0.0.0/8, 192.168.10.0/24; ' +
        "Enter keeps your value (it stays yours), mailsetup's value takes it back",
    );
    // Another role's questions do not claim it.
    const other = questionsFor('backup-mx', host, d.answers, d.role, {}, {}, d.handEdits).find(
      (x) => x.key === 'mynetworks',
    );
    expect(other?.explain).not.toContain('changed by hand');
  });

  it('issue 16’s parameters: a hand edit is offered at its question, kept, and taken back by mailsetup’s value', () => {
    const given: Partial<Answers> & { role: RoleId } = {
      ...MS,
      mydestination: ['$myhostname', 'localhost.$mydomain', '$mydomain'],
      defer_transports: ['smtp'],
      smtp_dns_support_level: 'disabled',
    };
    let files = applied(given);
    files = handEdit(files, 'defer_transports', 'smtp, relay');
    files = handEdit(files, 'smtp_dns_support_level', 'enabled');
    files = handEdit(files, 'mydestination', '$myhostname, $mydomain');
    const edits = findHandEdits(parseState(files[STATE_PATH] ?? ''), files[MAIN_CF] ?? '');
    expect(edits.find((e) => e.name === 'defer_transports')).toMatchObject({
      key: 'defer_transports',
      nowAnswer: ['smtp', 'relay'],
      oursAnswer: ['smtp'],
    });
    expect(edits.find((e) => e.name === 'smtp_dns_support_level')).toMatchObject({
      key: 'smtp_dns_support_level',
      nowAnswer: 'enabled',
      oursAnswer: 'disabled',
    });
    expect(edits.find((e) => e.name === 'mydestination')).toMatchObject({
      key: 'mydestination',
      nowAnswer: ['$myhostname', '$mydomain'],
    });
    const d = detect(files);
    const q = questionsFor('mail-server', host, d.answers, d.role, {}, {}, d.handEdits);
    expect(q.find((x) => x.key === 'defer_transports')?.default).toEqual(['smtp', 'relay']);
    expect(q.find((x) => x.key === 'smtp_dns_support_level')?.explain).toContain('changed by hand');
    // The wizard's defaults keep every hand edit; nothing changes.
    expect(isEmptyPlan(planFor({ role: 'mail-server' }, files))).toBe(true);
    // Answering mailsetup's value takes it back.
    const choices = handEditChoices({ role: 'mail-server', defer_transports: ['smtp'] }, d.handEdits ?? []);
    expect(choices).toEqual({ defer_transports: 'ours' });
    const back = afterPlan(files, planFor({ role: 'mail-server' }, files, { handEdits: choices }));
    expect(mainValue(back, 'defer_transports')).toBe('smtp');
    expect(mainValue(back, 'smtp_dns_support_level')).toBe('enabled');
  });

  it('a hand edit no answer can express stays the default mailsetup had, and is still kept', () => {
    // Tables and pattern files are answers since issue 16; an inline: table (Postfix reads it) is not.
    const files = handEdit(applied(MS), 'mynetworks', 'inline:{ 192.168.10.0/24=ok }');
    const [e] = findHandEdits(parseState(files[STATE_PATH] ?? ''), files[MAIN_CF] ?? '');
    expect(e).toMatchObject({ name: 'mynetworks', key: 'mynetworks', now: 'inline:{ 192.168.10.0/24=ok }' });
    expect(e.nowAnswer).toBeUndefined();
    const d = detect(files);
    expect(d.answers.mynetworks).toEqual(['127.0.0.0/8', '192.168.10.0/24']);
    expect(
      questionsFor('mail-server', host, d.answers, d.role, {}, {}, d.handEdits).find((x) => x.key === 'mynetworks')
        ?.explain,
    ).toBe(
      'changed by hand: main.cf has inline:{ 192.168.10.0/24=ok } (kept unless you answer a new value); ' +
        'mailsetup had set 127.0.0.0/8, 192.168.10.0/24',
    );
    expect(isEmptyPlan(planFor({ role: 'mail-server' }, files))).toBe(true);
  });
});

describe('answers a role does not use', () => {
  it('each role’s used keys: its questions, what it applies unasked, and overrides', () => {
    expect(usedKeys('null-client')).toContain('mynetworks');
    expect(usedKeys('null-client')).not.toContain('inet_interfaces');
    expect(usedKeys('null-client')).not.toContain('proxy_interfaces');
    for (const role of ROLE_IDS) expect(usedKeys(role)).toContain('overrides');
    // Issue 16: a mail server takes a transport table too (STANDARD_CONFIGURATION_README).
    expect(
      unusedAnswers(
        { role: 'mail-server', transport: {}, relay_domains: ['a.example'], relay_recipients: [] },
        'mail-server',
      ),
    ).toEqual(['relay_domains', 'relay_recipients']);
    expect(
      unusedAnswers({ inet_interfaces: 'all', proxy_interfaces: ['192.0.2.1'], relayhost: 'x' }, 'null-client'),
    ).toEqual(['inet_interfaces', 'proxy_interfaces']);
    expect(rolesUsing('transport')).toEqual(['mail-server', 'backup-mx', 'firewall-relay']);
    expect(rolesUsing('relay_domains')).toEqual(['backup-mx', 'firewall-relay']);
    expect(unusedReason('relay_domains', 'mail-server')).toBe(
      'the mail-server role does not use it (backup-mx and firewall-relay do)',
    );
    // Issue 16's answers, per role.
    expect(
      unusedAnswers(
        {
          mydestination: ['$myhostname'],
          mynetworks_style: 'host',
          aliases: { info: 'root' },
          smtpd_recipient_restrictions: ['reject_unknown_sender_domain'],
          fallback_relay: ['[backup.example.net]'],
          virtual: { 'a@example.com': 'b' },
        },
        'null-client',
      ),
    ).toEqual(['mydestination', 'mynetworks_style', 'aliases', 'smtpd_recipient_restrictions']);
    expect(
      unusedAnswers(
        { defer_transports: ['smtp'], smtp_dns_support_level: 'disabled', smtp_generic_maps: {}, virtual: {} },
        'backup-mx',
      ),
    ).toEqual(['defer_transports', 'smtp_dns_support_level', 'smtp_generic_maps', 'virtual']);
    expect(rolesUsing('smtp_generic_maps')).toEqual(['null-client', 'mail-server']);
    expect(unusedReason('mynetworks_style', 'null-client')).toMatch(
      /^a null client trusts only loopback \(it listens on nothing else\): no mynetworks_style \(STANDARD_CONFIGURATION_README/,
    );
    expect(unusedReason('inet_interfaces', 'null-client')).toBe(
      'the null-client role does not use it (mail-server, backup-mx and firewall-relay do)',
    );
  });

  it('the state file records only the answers the role used', () => {
    const base: Record<RoleId, Partial<Answers> & { role: RoleId }> = {
      'null-client': { role: 'null-client', relayhost: '[smtp.example.net]:587', postmaster: 'admin@example.net' },
      'mail-server': MS,
      'backup-mx': BMX,
      'firewall-relay': {
        role: 'firewall-relay',
        transport: { 'example.com': 'relay:[mail.inside.example.com]' },
        postmaster: 'postmaster@example.com',
      },
    };
    for (const role of ROLE_IDS) {
      // Resolved answers hold every key (defaults for the others); the ledger only the role's.
      const recorded = Object.keys(parseState(applied(base[role])[STATE_PATH] ?? '').answers);
      const used = new Set<string>(['role', ...usedKeys(role)]);
      expect(
        recorded.filter((k) => !used.has(k)),
        role,
      ).toEqual([]);
      expect(recorded, role).toContain('postmaster');
    }
  });
});

describe('main.cf gone while mailsetup.yaml stayed (purge and reinstall)', () => {
  it('the box is treated as fresh, and says so: no hand edits, a new record', () => {
    const old = applied(MS);
    const files: Files = { ...freshFiles(), [STATE_PATH]: old[STATE_PATH] };
    const d = detect(files);
    expect(d.role).toBeNull();
    expect(d.source).toBe('none');
    expect(d.summary).toEqual(['No Postfix configuration yet (no main.cf)', STALE_STATE_LINE]);
    const p = planFor(MS, files);
    expect(p.drift).toEqual([]);
    expect(p.findings.filter((f) => f.id === 'hand-edit')).toEqual([]);
    expect(p.findings.find((f) => f.id === 'fresh-box')?.message).toContain('treating this box as fresh');
    expect(p.previousRole).toBeNull();
    // The same plan as on a box that never had mailsetup, but for the record it replaces.
    const fresh = planFor(MS, freshFiles());
    expect(p.files.filter((f) => f.path !== STATE_PATH)).toEqual(fresh.files.filter((f) => f.path !== STATE_PATH));
    expect(p.actions).toEqual(fresh.actions);
    const after = afterPlan(files, p);
    expect(isEmptyPlan(planFor(MS, after))).toBe(true);
  });
});

describe('the modes Postfix expects', () => {
  const meta = (mode: number): FileMeta => ({ mode, uid: 0, gid: 0 });

  it('main.cf made group and other writable: a mode-only change, checked by postfix check, no reload', () => {
    const files = applied(MS);
    const p = planFor(MS, files, {
      meta: { [MAIN_CF]: meta(0o666), [MASTER_CF]: meta(0o640), [ALIASES]: meta(0o644) },
    });
    expect(p.files).toEqual([
      {
        path: MAIN_CF,
        before: files[MAIN_CF],
        after: files[MAIN_CF],
        mode: 0o644,
        modeBefore: 0o666,
        description: 'Postfix main configuration',
      },
    ]);
    expect(p.actions).toEqual([{ kind: 'postfix-check' }]);
  });

  it('a file that changes anyway gets the mode with its new content; the admin’s stricter bits stay', () => {
    const files = applied(MS);
    const p = planFor({ ...MS, postmaster: 'bob@example.com' }, files, {
      meta: { [ALIASES]: meta(0o664), [MAIN_CF]: meta(0o640), [STATE_PATH]: meta(0o646) },
    });
    expect(p.files.find((f) => f.path === ALIASES)).toMatchObject({ mode: 0o644, modeBefore: 0o664 });
    expect(p.files.find((f) => f.path === MAIN_CF)).toBeUndefined();
    expect(p.files.find((f) => f.path === STATE_PATH)).toMatchObject({ mode: 0o644, modeBefore: 0o646 });
  });

  it('a secret map is 0600', () => {
    const given = { ...MS, relayhost: '[smtp.example.net]:587', smtp_sasl: { username: 'u', password: 'p' } };
    const files = applied(given);
    const p = planFor(given, files, { meta: { '/etc/postfix/sasl_passwd': meta(0o644) } });
    expect(p.files.find((f) => f.path === '/etc/postfix/sasl_passwd')).toMatchObject({
      mode: 0o600,
      modeBefore: 0o644,
    });
  });
});

describe('a lookup table main.cf used is no longer used (table-dropped)', () => {
  it('alias_maps moved from another table to /etc/aliases: said in the preview', () => {
    const files = { ...freshFiles(), [MAIN_CF]: `${T.mainCf}alias_maps = hash:/etc/mail/aliases, hash:/etc/aliases\n` };
    const p = planFor(MS, files);
    expect(p.findings.filter((f) => f.id === 'table-dropped').map((f) => f.message)).toEqual([
      'alias_maps no longer uses hash:/etc/mail/aliases (main.cf had "hash:/etc/mail/aliases, hash:/etc/aliases", ' +
        'now "hash:/etc/aliases"): Postfix stops reading that table, and what it holds stops working; move its ' +
        'entries to the table mailsetup uses, or add it back by hand after applying',
    ]);
  });

  it('mailsetup’s own tables that a role change drops are not reported', () => {
    const files = applied(BMX);
    const p = planFor({ role: 'mail-server', postmaster: 'admin@example.com' }, files);
    expect(p.findings.filter((f) => f.id === 'table-dropped')).toEqual([]);
  });
});
