/**
 * The opt-in clean-ups in the plan: an upgraded box's deprecated parameters (as the installed
 * Postfix reported them) and values with a `# comment` inside are findings with what mailsetup
 * would do; main.cf keeps those lines byte-for-byte unless the run asks (overrides
 * migrate-deprecated, fix-value-comments), and the choice is not remembered for the next run.
 */
import { describe, expect, it } from 'vitest';
import { findValueComments, scanValueComments } from '../../src/plan/cleanups.js';
import { detect } from '../../src/plan/detect.js';
import { plan } from '../../src/plan/plan.js';
import { parseState } from '../../src/plan/state.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { STATE_PATH } from '../../src/model/paths.js';
import type { Answers, RoleId } from '../../src/model/answers.js';
import type { DeprecatedParameter } from '../../src/model/host.js';
import type { Plan } from '../../src/model/plan.js';
import { randomMainCf, Rng } from '../helpers/gen-maincf.js';
import { afterPlan, fakeHost, freshFiles, templates } from '../helpers/host.js';

const T = templates();
const MAIN = '/etc/postfix/main.cf';
const GIVEN: Partial<Answers> & { role: RoleId } = { role: 'mail-server', postmaster: 'alice@example.com' };

const REPORTED: DeprecatedParameter[] = [
  { name: 'smtpd_use_tls', file: 'main.cf', advice: 'specify "smtpd_tls_security_level"' },
  { name: 'lmtp_use_tls', file: 'main.cf', advice: 'specify "lmtp_tls_security_level"' },
  { name: 'disable_dns_lookups', file: 'main.cf', advice: 'specify "smtp_dns_support_level"' },
  { name: 'smtpd_tls_eecdh_grade', file: 'main.cf', advice: 'do not specify (leave at default)' },
  { name: 'smtp_use_tls', file: 'master.cf', advice: 'specify "smtp_tls_security_level"' },
];

/** A box upgraded from an older release, already configured by mailsetup once. */
function upgradedBox(): Record<string, string | null> {
  const host = fakeHost();
  const first = plan({ answers: resolveAnswers(GIVEN, host), host, files: freshFiles(), templates: T });
  const files = afterPlan(freshFiles(), first);
  files[MAIN] =
    `${files[MAIN] ?? ''}smtpd_use_tls = yes\nlmtp_use_tls = yes\ndisable_dns_lookups = no\n` +
    'smtpd_tls_eecdh_grade = strong\n' +
    'relayhost = [smtp.example.net]:587 # the provider\n';
  return files;
}

function planOn(files: Record<string, string | null>, overrides: string[] = [], reported = REPORTED): Plan {
  const host = fakeHost();
  host.postfix = { ...host.postfix, version: '3.10.13', deprecated: reported };
  const d = detect(files);
  const answers = resolveAnswers({ ...GIVEN, overrides }, host, d.answers, d.role);
  return plan({ answers, host, files, templates: T });
}

describe('clean-ups of lines mailsetup did not write', () => {
  it('without the opt-ins: findings and offers, main.cf untouched', () => {
    const files = upgradedBox();
    const p = planOn(files);
    expect(p.files.find((f) => f.path === MAIN)).toBeUndefined();
    const dep = p.findings.filter((f) => f.id === 'deprecated-parameter').map((f) => f.message);
    expect(dep).toHaveLength(5);
    // mailsetup's own TLS settings (issue 17) already set smtpd_tls_security_level, which wins over
    // smtpd_use_tls: the old line only goes. lmtp's replacement is not set: it takes the old line's place.
    expect(dep[0]).toMatch(/^smtpd_use_tls = yes: .*mailsetup can remove it/);
    expect(dep[1]).toMatch(/^lmtp_use_tls = yes: .*write lmtp_tls_security_level = may in its place/);
    expect(dep[2]).toMatch(/^disable_dns_lookups = no: .*remove it/);
    expect(dep[3]).toMatch(/^smtpd_tls_eecdh_grade = strong: .*remove it .*m in the preview; migrate-deprecated/);
    expect(dep[4]).toMatch(/^smtp_use_tls \(master\.cf\): .*not migrated: .*edit that service by hand/);
    const com = p.findings.filter((f) => f.id === 'value-comment');
    expect(com).toHaveLength(1);
    expect(com[0].message).toMatch(/^relayhost \(line \d+\): "# the provider" is part of the value/);
    expect(p.offers).toEqual({ migrateDeprecated: 4, fixValueComments: 1 });
  });

  it('migrate-deprecated: the replacement in place of the old lines, the rest byte-for-byte, not remembered', () => {
    const files = upgradedBox();
    const p = planOn(files, ['migrate-deprecated']);
    const main = p.files.find((f) => f.path === MAIN);
    const before = files[MAIN] ?? '';
    const expected = before
      .replace('smtpd_use_tls = yes\n', '')
      .replace('lmtp_use_tls = yes\n', 'lmtp_tls_security_level = may\n')
      .replace('disable_dns_lookups = no\n', '')
      .replace('smtpd_tls_eecdh_grade = strong\n', '');
    expect(main?.after).toBe(expected);
    expect(p.findings.filter((f) => f.id === 'deprecated-parameter')).toHaveLength(1); // master.cf's
    expect(p.offers).toEqual({ migrateDeprecated: 0, fixValueComments: 1 });
    // The state file after the run (unchanged: it is not among the changes then).
    const state = parseState(p.files.find((f) => f.path === STATE_PATH)?.after ?? files[STATE_PATH] ?? '');
    expect(state.answers.overrides ?? []).not.toContain('migrate-deprecated');
  });

  it('fix-value-comments: the comment on a line of its own above; both at once', () => {
    const files = upgradedBox();
    const p = planOn(files, ['fix-value-comments']);
    const after = p.files.find((f) => f.path === MAIN)?.after ?? '';
    expect(after).toBe(
      (files[MAIN] ?? '').replace(
        'relayhost = [smtp.example.net]:587 # the provider\n',
        '# the provider\nrelayhost = [smtp.example.net]:587\n',
      ),
    );
    const both = planOn(files, ['migrate-deprecated', 'fix-value-comments']);
    expect(both.offers).toBeUndefined();
    expect(both.findings.filter((f) => f.id === 'value-comment')).toEqual([]);
  });

  it('nothing to offer where the installed Postfix reports nothing and no value has a comment', () => {
    const host = fakeHost();
    const files = afterPlan(
      freshFiles(),
      plan({ answers: resolveAnswers(GIVEN, host), host, files: freshFiles(), templates: T }),
    );
    const p = planOn(files, [], []);
    expect(p.offers).toBeUndefined();
    expect(p.findings.some((f) => f.id === 'deprecated-parameter' || f.id === 'value-comment')).toBe(false);
  });
});

describe('value comments: the shortcut for a main.cf with no `#` after text', () => {
  it('finds what the full scan finds, on 3,000 generated main.cf files with `#` put into their lines', () => {
    const rng = new Rng(2026_12_06);
    let found = 0;
    let shortcut = 0;
    for (let i = 0; i < 3000; i++) {
      const lines = randomMainCf(rng).text.split(/(?<=\n)/);
      // A `#` after a blank, a comma or at the start, on some lines (definitions, continuations, comments).
      const text = lines
        .map((l) => {
          if (!rng.chance(0.1)) return l;
          const body = l.replace(/\r?\n$/, '');
          const at = rng.range(0, body.length);
          return `${body.slice(0, at)}${rng.pick([' # note', ',# x', '#', '\t#y'])}${body.slice(at)}${l.slice(body.length)}`;
        })
        .join('');
      const full = scanValueComments(text);
      expect(findValueComments(text), JSON.stringify(text)).toEqual(full);
      if (full.length > 0) found++;
      if (!/^[^\S\n]*[^#\s][^\n]*#/m.test(text)) shortcut++;
    }
    // Both paths were taken, many times.
    expect(found).toBeGreaterThan(300);
    expect(shortcut).toBeGreaterThan(300);
  });
});
