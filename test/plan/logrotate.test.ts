/**
 * Postfix's own log file (logging: file, maillog_file) is rotated: mailsetup writes a logrotate
 * drop-in with it, owned like its other files (in the state file's created list), shown in the
 * preview, removed when Postfix logs through syslog again, and undone by a rollback. The drop-in
 * is read by the real logrotate: its syntax (`logrotate -d`) and a forced rotation of a copy that
 * points at a scratch file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detect } from '../../src/plan/detect.js';
import { logrotateDropin, plan } from '../../src/plan/plan.js';
import { parseState } from '../../src/plan/state.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { apply, rollbackLatest } from '../../src/system/apply.js';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';
import { renderPlanText } from '../../src/output/preview.js';
import type { Answers, RoleId } from '../../src/model/answers.js';
import type { HostFacts } from '../../src/model/host.js';
import { LOGROTATE_DROPIN, MAILLOG_FILE, STATE_PATH } from '../../src/model/paths.js';
import { afterPlan, fakeHost, freshFiles, templates } from '../helpers/host.js';
import { needsLogrotate } from '../helpers/needs.js';
import { cleanup, tempDir } from '../helpers/postfix.js';

const T = templates();
/** A box without rsyslog: Postfix logs to its own file. */
const NO_SYSLOG = fakeHost({ rsyslog: false, logrotate: true });
const MS: Partial<Answers> & { role: RoleId } = { role: 'mail-server', postmaster: 'alice@example.com' };

function planFor(given: Partial<Answers> & { role: RoleId }, files: Record<string, string | null>, host: HostFacts) {
  const d = detect(files);
  return plan({ answers: resolveAnswers(given, host, d.answers, d.role), host, files, templates: T });
}

describe('the logrotate drop-in for maillog_file', () => {
  it("comes with maillog_file: a new file, recorded as mailsetup's, in the preview; no daemon runs for it", () => {
    const p = planFor(MS, freshFiles(), NO_SYSLOG);
    expect(p.answers.logging).toBe('file');
    const drop = p.files.find((f) => f.path === LOGROTATE_DROPIN);
    expect(drop).toMatchObject({ before: null, after: logrotateDropin(), mode: 0o644 });
    expect(drop?.after).toContain(`${MAILLOG_FILE} {\n`);
    expect(drop?.after).toContain('/usr/sbin/postfix reload');
    const state = parseState(p.files.find((f) => f.path === STATE_PATH)?.after ?? '');
    expect(state.created).toContain(LOGROTATE_DROPIN);
    const text = renderPlanText(p, { color: false });
    expect(text).toContain(
      `${LOGROTATE_DROPIN} — rotation of Postfix's own log ${MAILLOG_FILE} (logrotate) (new file, mode 0644)`,
    );
    expect(text).toContain('+\tpostrotate');
    expect(p.actions.map((a) => a.kind)).toEqual(['newaliases', 'postfix-check', 'restart']);
  });

  it('is not written while Postfix logs through syslog, and goes when syslog comes back', () => {
    const withSyslog = fakeHost({ rsyslog: true });
    expect(planFor(MS, freshFiles(), withSyslog).files.map((f) => f.path)).not.toContain(LOGROTATE_DROPIN);
    const onFile = afterPlan(freshFiles(), planFor(MS, freshFiles(), NO_SYSLOG));
    expect(onFile[LOGROTATE_DROPIN]).toBe(logrotateDropin());
    const back = planFor({ ...MS, logging: 'syslog' }, onFile, withSyslog);
    const drop = back.files.find((f) => f.path === LOGROTATE_DROPIN);
    expect(drop).toMatchObject({ before: logrotateDropin(), after: null });
    expect(parseState(back.files.find((f) => f.path === STATE_PATH)?.after ?? '').created).not.toContain(
      LOGROTATE_DROPIN,
    );
    // A re-run on file logging changes nothing.
    expect(planFor({ role: 'mail-server' }, onFile, NO_SYSLOG).files).toEqual([]);
  });

  it('leaves a drop-in of that name that mailsetup did not write alone', () => {
    const files = { ...freshFiles(), [LOGROTATE_DROPIN]: '# mine\n/var/log/postfix.log { daily }\n' };
    const p = planFor(MS, files, NO_SYSLOG);
    expect(p.files.map((f) => f.path)).not.toContain(LOGROTATE_DROPIN);
    const later = planFor({ ...MS, logging: 'syslog' }, afterPlan(files, p), fakeHost({ rsyslog: true }));
    expect(later.files.map((f) => f.path)).not.toContain(LOGROTATE_DROPIN);
  });

  it('warns when logrotate is not installed', () => {
    const p = planFor(MS, freshFiles(), fakeHost({ rsyslog: false, logrotate: false }));
    expect(p.findings.map((f) => [f.id, f.level])).toEqual([['logrotate-missing', 'warning']]);
  });

  it('is written by the apply and removed by --rollback', async () => {
    const files = freshFiles();
    const fx = createMemoryEffects({
      files: Object.fromEntries(Object.entries(files).filter((e): e is [string, string] => e[1] !== null)),
    });
    const p = planFor(MS, files, NO_SYSLOG);
    const r = await apply(p, fx, NO_SYSLOG);
    expect(r.ok).toBe(true);
    expect(await fx.readFile(LOGROTATE_DROPIN)).toBe(logrotateDropin());
    expect(await fx.stat(LOGROTATE_DROPIN)).toEqual({ mode: 0o644, uid: 0, gid: 0 });
    const back = await rollbackLatest(fx, NO_SYSLOG);
    expect(back.ok).toBe(true);
    expect(await fx.readFile(LOGROTATE_DROPIN)).toBeNull();
    // The directory the apply created for it goes too (the box had no logrotate).
    expect(await fx.fileKind('/etc/logrotate.d')).toBeNull();
    expect(back.events.filter((e) => e.id === 'write:/etc/logrotate.d').at(-1)).toMatchObject({
      label: 'Remove the directory /etc/logrotate.d',
      status: 'rolled-back',
    });
    // A directory that holds something else by then stays.
    const again = await apply(p, fx, NO_SYSLOG);
    expect(again.ok).toBe(true);
    await fx.writeFileAtomic('/etc/logrotate.d/other', '/var/log/other.log {}\n');
    expect((await rollbackLatest(fx, NO_SYSLOG)).ok).toBe(true);
    expect(await fx.readFile(LOGROTATE_DROPIN)).toBeNull();
    expect(await fx.listDir('/etc/logrotate.d')).toEqual(['other']);
  });
});

const LOGROTATE = needsLogrotate('the drop-in read by the real logrotate');

describe.skipIf(!LOGROTATE)('the drop-in read by the real logrotate', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(cleanup));

  it('logrotate -d accepts it as written', () => {
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(join(dir, 'postfix-maillog'), logrotateDropin());
    const r = spawnSync('logrotate', ['-d', '-s', join(dir, 'state'), join(dir, 'postfix-maillog')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/error:/);
  });

  it('rotates the file it names: renamed to .1 (compressed a run later), left for postlogd to create anew', () => {
    const dir = tempDir();
    dirs.push(dir);
    const log = join(dir, 'postfix.log');
    writeFileSync(log, 'May  1 00:00:00 mx postfix/smtpd[1]: connect from localhost[127.0.0.1]\n');
    const conf = join(dir, 'conf');
    writeFileSync(conf, logrotateDropin().replace(`${MAILLOG_FILE} {`, `${log} {`));
    const r = spawnSync('logrotate', ['-f', '-s', join(dir, 'state'), conf], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(`${log}.1`)).toBe(true);
    expect(readFileSync(`${log}.1`, 'utf8')).toContain('connect from localhost');
    // nocreate: Postfix's postlogd creates the new file when it reopens after the reload.
    expect(existsSync(log)).toBe(false);
  });
});
