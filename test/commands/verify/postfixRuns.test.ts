/** The "Postfix runs" check: postfix status, the log's complaints when it does not run, and no Postfix in a sandbox. */
import { describe, expect, it } from 'vitest';
import { checkPostfixRuns } from '../../../src/commands/verify/checks/postfixRuns.js';
import { createMemoryEffects } from '../../../src/system/memoryEffects.js';
import { LOG, contextOf, logLine, postfixTwin } from './twin.js';

describe('check: Postfix runs', () => {
  it('postfix status exit 0: ok with what it said', async () => {
    const fx = postfixTwin();
    expect(await checkPostfixRuns(await contextOf(fx))).toEqual({
      outcome: { status: 'ok', detail: 'postfix status: the Postfix mail system is running: PID: 4242' },
      value: true,
    });
    expect(fx.calls.at(-1)).toMatchObject({
      cmd: 'postfix',
      args: ['-c', '/etc/postfix', 'status'],
      opts: { tty: true },
    });
  });

  it("not running: failed, explained by the log's last fatal/panic/error/warning lines (also from before verify started)", async () => {
    const fx = postfixTwin({ running: false });
    fx.append(LOG, logLine('master', 'fatal: bind 0.0.0.0 port 25: Address already in use'));
    fx.append(LOG, logLine('smtpd', 'connect from localhost[127.0.0.1]'));
    const ctx = await contextOf(fx);
    expect(await checkPostfixRuns(ctx)).toEqual({
      outcome: {
        status: 'failed',
        detail: 'postfix status exited 1: the Postfix mail system is not running',
        explain: ['Nov 26 08:11:34 mx postfix/master[4242]: fatal: bind 0.0.0.0 port 25: Address already in use'],
      },
      value: false,
    });
  });

  it('an unreadable log: failed without explanation', async () => {
    const fx = postfixTwin({ running: false, extra: { unreadable: [LOG] } });
    fx.append(LOG, logLine('master', 'fatal: something'));
    const r = await checkPostfixRuns(await contextOf(fx));
    expect(r.outcome.explain).toEqual([]);
  });

  it('a --root sandbox runs no Postfix: skipped, and postfix status is not asked', async () => {
    const fx = createMemoryEffects({ root: '/srv/box' });
    const r = await checkPostfixRuns({ ...(await contextOf(postfixTwin())), fx });
    expect(r).toEqual({
      outcome: {
        status: 'skipped',
        detail: '--root /srv/box: no Postfix runs from a sandbox; only its files are checked',
      },
      value: false,
    });
    expect(fx.calls).toEqual([]);
  });
});
