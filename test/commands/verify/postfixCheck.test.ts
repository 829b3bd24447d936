/** The "postfix check" check: clean, warnings, a failing exit. */
import { describe, expect, it } from 'vitest';
import { checkPostfixCheck } from '../../../src/commands/verify/checks/postfixCheck.js';
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
});
