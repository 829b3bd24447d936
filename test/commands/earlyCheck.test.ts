/**
 * An apply (--yes) starts its `postfix check` on the plan's files and commands alone
 * (Session.draft), before the rest of the plan (certificates, facts, linter, state file) is made;
 * apply() takes that check over. On the in-memory Effects of a live Debian box: the check runs
 * once, and a plan the linter refuses ends the check it started without writing anything.
 */
import { describe, expect, it } from 'vitest';
import { LOCK_PATH } from '../../src/model/paths.js';
import type { MemoryEffects } from '../../src/system/memoryEffects.js';
import { applyOn } from '../helpers/applyOn.js';
import { memoryDebianBox, NULL_CLIENT_ANSWERS } from '../helpers/host.js';

const STAGE = '/etc/.postfix.mailsetup-stage';

/** The box after `fx`'s apply, with `answers` on standard input. */
function rerun(fx: MemoryEffects, answers: string): MemoryEffects {
  return memoryDebianBox(answers, Object.fromEntries([...fx.files].map(([p, f]) => [p, f.content])));
}

const checks = (fx: MemoryEffects) => fx.calls.filter((c) => c.cmd === 'postfix' && c.args.at(-1) === 'check');

describe('the check an apply starts first', () => {
  it('runs once, on the stage, and before any other command of the apply; the plan is applied', async () => {
    const first = memoryDebianBox(NULL_CLIENT_ANSWERS);
    expect((await applyOn(first, true)).code).toBe(0);
    // A re-run with one answer changed.
    const fx = rerun(first, NULL_CLIENT_ANSWERS.replace('myhostname: host.example.com', 'myhostname: mx.example.com'));
    const r = await applyOn(fx, true);
    expect(r.code).toBe(0);
    expect(checks(fx).map((c) => c.args.join(' '))).toEqual([`-c ${STAGE} check`]);
    // Only the host facts' commands come before it (no build, no queue, no daemon command).
    const before = fx.calls.slice(0, fx.calls.indexOf(checks(fx)[0])).map((c) => [c.cmd, ...c.args].join(' '));
    expect(before.length).toBeGreaterThan(0);
    for (const c of before)
      expect(c).toMatch(/^(hostname --fqdn|\/usr\/lib\/postfix\/sbin\/master -t|postconf |postfix( -c \S+)? status$)/);
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toMatch(/^myhostname = mx\.example\.com$/m);
    expect(fx.files.get('/etc/postfix/mailsetup.yaml')?.content).toContain('myhostname: mx.example.com');
    expect(fx.files.has(LOCK_PATH)).toBe(false);
    expect([...fx.files.keys()].filter((k) => k.startsWith(STAGE))).toEqual([]);
  });

  it('a plan the linter refuses: the check it started is ended, the lock given back, nothing written (exit 2)', async () => {
    const server =
      'role: mail-server\nmyhostname: host.example.com\npostmaster: admin@example.net\nsmtpd_tls_security_level: none\n';
    const first = memoryDebianBox(server);
    expect((await applyOn(first, true)).code).toBe(0);
    const mainBefore = first.files.get('/etc/postfix/main.cf')?.content;
    const fx = rerun(first, `${server}mynetworks: [0.0.0.0/0]\n`);
    await expect(applyOn(fx, true)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('refusing to apply'),
    });
    // The check was started on the stage (before the linter ran), then ended.
    expect(checks(fx)).toHaveLength(1);
    expect(fx.files.get('/etc/postfix/main.cf')?.content).toBe(mainBefore);
    expect(fx.writes.filter((w) => !w.startsWith(STAGE) && w !== LOCK_PATH)).toEqual([]);
    expect(fx.files.has(LOCK_PATH)).toBe(false);
    expect([...fx.files.keys()].filter((k) => k.startsWith(STAGE))).toEqual([]);
  });
});
