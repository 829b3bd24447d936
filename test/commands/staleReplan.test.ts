/**
 * `--answers … --yes` when a file changes between the plan and the apply (another admin, a package
 * upgrade): the plan made again gets every check the first one had before anything is written.
 * Here Debian's snakeoil certificate, present when the first plan was made, is removed together
 * with the change to main.cf; the new plan must make it again, that fails, and nothing is applied.
 * On the in-memory Effects of a live Debian box, so the whole applyAnswers path runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAnswers } from '../../src/commands/apply/index.js';
import type { CommandContext } from '../../src/commands/context.js';
import type { CommandResult } from '../../src/model/effects.js';
import { isMailsetupError } from '../../src/model/errors.js';
import { MAIN_CF } from '../../src/model/paths.js';
import { createMemoryEffects, okResult, type MemoryEffects } from '../../src/system/memoryEffects.js';
import { freshFiles } from '../helpers/host.js';
import { cliOptions } from '../helpers/options.js';
import { makeCertificate, type TestCert } from '../helpers/testCa.js';

const CERT = '/etc/ssl/certs/ssl-cert-snakeoil.pem';
const KEY = '/etc/ssl/private/ssl-cert-snakeoil.key';
const ANSWERS = [
  'role: mail-server',
  'myhostname: mx.example.com',
  'mydomain: example.com',
  'postmaster: admin@example.net',
  'smtpd_tls_security_level: may',
  'smtp_tls_security_level: may',
  'logging: file',
  '',
].join('\n');

let dir = '';
let snake: TestCert;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailsetup-stale-'));
  snake = makeCertificate(dir, 'snakeoil', { cn: 'mx.example.com', dns: ['mx.example.com'], days: 3650 });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const result = (cmd: string, args: string[], exitCode: number, stdout = ''): CommandResult => ({
  ...okResult(cmd, args),
  exitCode,
  stdout,
});

/**
 * A Debian box with Postfix installed and not configured, the snakeoil certificate in place. While
 * mailsetup checks for a package (logrotate, in the first plan's preflight), another admin edits
 * main.cf and removes the snakeoil certificate; make-ssl-cert then fails.
 */
function box(): { fx: MemoryEffects; makes: () => number } {
  let makes = 0;
  const files: Record<string, string> = {};
  for (const [p, t] of Object.entries(freshFiles())) if (t !== null) files[p] = t;
  const fx: MemoryEffects = createMemoryEffects({
    stdin: ANSWERS,
    files: {
      ...files,
      '/etc/hostname': 'mx.example.com\n',
      '/etc/group': 'root:x:0:\nssl-cert:x:103:\n',
      '/etc/os-release': 'ID=debian\nVERSION_ID="12"\n',
    },
    run(cmd, args) {
      if (cmd === 'hostname') return result(cmd, args, 0, 'mx.example.com\n');
      if (cmd === 'postconf' && args[0] === '-dh' && args[1] === 'mail_version')
        return result(cmd, args, 0, '3.7.11\n');
      if (cmd === 'dpkg-query') {
        if (fx.files.has(CERT)) {
          fx.files.set(MAIN_CF, { content: '# written by another admin\n', mode: 0o644, uid: 0, gid: 0 });
          fx.files.delete(CERT);
          fx.files.delete(KEY);
        }
        return result(cmd, args, 0, 'install ok installed');
      }
      if (cmd === 'make-ssl-cert') {
        makes++;
        return result(cmd, args, 1, '');
      }
      return okResult(cmd, args);
    },
  });
  fx.files.set(CERT, { content: snake.cert, mode: 0o644, uid: 0, gid: 0 });
  fx.files.set(KEY, { content: snake.key, mode: 0o640, uid: 0, gid: 103 });
  return { fx, makes: () => makes };
}

describe('a plan made again after files changed under --yes', () => {
  it('gets the TLS preflight again: a snakeoil certificate that can no longer be made stops it', async () => {
    const { fx, makes } = box();
    const out: string[] = [];
    const ctx: CommandContext = {
      opts: cliOptions({ answers: '-', yes: true }),
      fx,
      root: '/',
      io: { out: (s) => void out.push(s), err: (s) => void out.push(s) },
      interactive: false,
      isRoot: true,
    };
    let err: unknown;
    try {
      await applyAnswers(ctx);
    } catch (e) {
      err = e;
    }
    const text = out.join('');
    expect(text).toContain('changed on disk since the plan was made');
    expect(isMailsetupError(err) ? err.message : String(err)).toBe(
      "nothing applied: Debian's snakeoil certificate could not be made (ssl-cert): name a certificate with " +
        'smtpd_tls_chain_files, or answer smtpd_tls_security_level: none',
    );
    expect(makes()).toBe(1);
    // The other admin's main.cf is as they left it.
    expect(fx.files.get(MAIN_CF)?.content).toBe('# written by another admin\n');
  });
});
