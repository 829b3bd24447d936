import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findUnfinished, recoverUnfinished } from '../../src/system/apply.js';
import { readManifest } from '../../src/system/backup.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { needsRoot } from '../helpers/needs.js';
import { cleanup, describePostfix, tempDir } from '../helpers/postfix.js';
import { dumpTable, leftoverTemps, makeSandbox, snapshot, testHost, withoutInodes } from '../helpers/system-fixture.js';
import { BACKUP_ROOT } from '../../src/model/paths.js';

const VITE_NODE = join(process.cwd(), 'node_modules/vite-node/vite-node.mjs');
const CHILD = join(process.cwd(), 'test/helpers/system-child.ts');
const AS_ROOT = needsRoot(
  'SIGKILL mid-apply and recovery',
  'postfix check refuses other users; the sandbox has Postfix owners',
);
const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

/** Start the child, wait (bounded) until it sits at `step`, SIGKILL it. Returns its pid. */
async function killAt(root: string, step: string): Promise<number> {
  const marker = join(root, 'at-step');
  // The killed apply cannot remove its scratch copy of the configuration (os.tmpdir()): the test
  // gives it a temporary directory of its own, removed with the sandbox.
  const scratch = tempDir();
  dirs.push(scratch);
  const child = spawn(process.execPath, [VITE_NODE, CHILD, root, step, marker], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TMPDIR: scratch },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  try {
    const deadline = Date.now() + 90_000;
    while (!existsSync(marker)) {
      if (gone) throw new Error(`the child ended before step ${step}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`the child did not reach step ${step} within 90 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
  expect(gone).toBe(true);
  expect(existsSync(`${marker}.finished`)).toBe(false);
  return child.pid as number;
}

(AS_ROOT ? describePostfix : describe.skip)('SIGKILL in the middle of an apply, then recovery', () => {
  const steps = [
    'backup',
    'write:/etc/postfix/master.cf',
    'action:newaliases:/etc/aliases',
    'action:postfix-check',
    'manifest',
  ];
  for (const step of steps) {
    it(`killed at ${step}: recoverUnfinished restores byte-identical files`, async () => {
      const root = makeSandbox();
      dirs.push(root);
      const fx = createRealEffects(root);
      const before = snapshot(root);
      const aliasesBefore = dumpTable(root, `hash:${root}/etc/aliases`);
      const pid = await killAt(root, step);
      // The dead child's lock is still there.
      expect(readFileSync(join(root, 'run/mailsetup.lock'), 'utf8')).toBe(`${pid}\n`);
      const unfinished = await findUnfinished(fx);
      if (step === 'backup') {
        // killed before the backup: nothing was written, nothing to recover
        expect(unfinished).toBeNull();
        expect(snapshot(root)).toEqual(before);
        const r = await recoverUnfinished(fx, testHost());
        expect(r).toMatchObject({ ok: true, changed: false, rolledBack: false });
        expect(existsSync(join(root, 'run/mailsetup.lock'))).toBe(false);
        return;
      }
      expect(unfinished).toMatch(new RegExp(`^${root}/var/backups/mailsetup/\\d{8}T\\d{6}Z$`));
      expect(withoutInodes(snapshot(root))).not.toEqual(withoutInodes(before)); // the apply had changed files
      // a write killed half-way leaves its temporary file; recovery removes it
      writeFileSync(join(root, 'etc/postfix/.master.cf.mailsetup-0123456789ab'), 'half');
      const r = await recoverUnfinished(fx, testHost());
      expect(r.error).toBeUndefined();
      expect(r).toMatchObject({ ok: true, changed: true, rolledBack: true, backupDir: unfinished });
      expect(withoutInodes(snapshot(root))).toEqual(withoutInodes(before));
      expect(
        snapshot(root)['etc/postfix/transport'] === 'absent' && snapshot(root)['etc/postfix/transport.db'] === 'absent',
      ).toBe(true);
      expect(dumpTable(root, `hash:${root}/etc/aliases`)).toEqual(aliasesBefore);
      expect(leftoverTemps(root)).toEqual([]);
      expect(existsSync(join(root, 'run/mailsetup.lock'))).toBe(false);
      expect((await readManifest(fx, `${BACKUP_ROOT}/${basename(unfinished as string)}`))?.status).toBe('rolled-back');
      expect(await findUnfinished(fx)).toBeNull();
    }, 180_000);
  }
});
