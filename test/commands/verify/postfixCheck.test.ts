/** The "postfix check" check: clean, warnings, a failing exit. */
import { describe, expect, it } from 'vitest';
import { checkPostfixCheck, isKnownWarning } from '../../../src/commands/verify/checks/postfixCheck.js';
import { contextOf, postfixTwin } from './twin.js';

describe('check: postfix check', () => {
  it('clean: no warnings', async () => {
    expect(await checkPostfixCheck(await contextOf(postfixTwin()))).toEqual({ status: 'ok', detail: 'no warnings' });
  });

  it('exit 0 with warnings: failed, each warning shown', async () => {
    const output = [
      'postfix/postfix-script: warning: not owned by postfix: /var/spool/postfix/active',
      'postfix/postfix-script: warning: group or other writable: /etc/postfix/main.cf',
    ].join('\n');
    expect(await checkPostfixCheck(await contextOf(postfixTwin({ check: { exitCode: 0, output } })))).toEqual({
      status: 'failed',
      detail: '2 warnings',
      explain: output.split('\n'),
    });
  });

  it('a failing exit without warning lines: its last output lines', async () => {
    const output = 'postfix: fatal: /etc/postfix/main.cf, line 3: missing \'=\' after parameter name: "junk"';
    expect(await checkPostfixCheck(await contextOf(postfixTwin({ check: { exitCode: 1, output } })))).toEqual({
      status: 'failed',
      detail: 'postfix check exited 1',
      explain: [output],
    });
  });

  const DEPRECATED =
    'postconf: warning: /etc/postfix/main.cf: support for parameter "smtpd_use_tls" will be removed; instead, specify "smtpd_tls_security_level"';
  const COMMENT =
    'postconf: warning: /etc/postfix/main.cf: #comment after other text is not allowed: # the provider...';

  it('only the warnings the clean-ups remove (3.9+ deprecated parameters, 3.10 value comments): ok, named', async () => {
    const output = [DEPRECATED, DEPRECATED, COMMENT].join('\n');
    const r = await checkPostfixCheck(await contextOf(postfixTwin({ check: { exitCode: 0, output } })));
    expect(r.status).toBe('ok');
    expect(r.detail).toBe(
      'no new warnings; known: deprecated parameter smtpd_use_tls and a # comment inside a value (not new ' +
        'problems; run mailsetup and accept the clean-up: m / c in the preview, or overrides: ' +
        '[migrate-deprecated] / [fix-value-comments] in the answers)',
    );
    expect(r.explain).toEqual([DEPRECATED, DEPRECATED, COMMENT]);
    expect(isKnownWarning(DEPRECATED)).toBe(true);
    expect(isKnownWarning('postfix/postfix-script: warning: not owned by postfix: /var/spool/postfix/active')).toBe(
      false,
    );
  });

  it('a new warning among known ones: failed, the new one first, the known ones summed up', async () => {
    const fresh = 'postfix/postfix-script: warning: group or other writable: /etc/postfix/main.cf';
    const output = [DEPRECATED, fresh].join('\n');
    const r = await checkPostfixCheck(await contextOf(postfixTwin({ check: { exitCode: 0, output } })));
    expect(r.status).toBe('failed');
    expect(r.detail).toBe('1 new warning (and 1 known warning: deprecated parameters or value comments)');
    expect(r.explain?.[0]).toBe(fresh);
    expect(r.explain?.[1]).toMatch(/^known: deprecated parameter smtpd_use_tls /);
  });
});
