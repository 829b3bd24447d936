/**
 * What TLS needs before anything is written (prepareTls in src/commands/steps.ts), on the
 * in-memory Effects: Debian's snakeoil certificate where the plan names it and it is missing
 * (ssl-cert installed, whose postinst makes it, or make-ssl-cert run), then checked like any
 * certificate; the CA store where main.cf will name it (ca-certificates). Under --root nothing
 * is installed or made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareTls } from '../../src/commands/steps.js';
import type { CommandResult } from '../../src/model/effects.js';
import type { StepEvent } from '../../src/model/events.js';
import type { Plan } from '../../src/model/plan.js';
import { createMemoryEffects, okResult, type MemoryEffects } from '../../src/system/memoryEffects.js';
import { fakeHost } from '../helpers/host.js';
import { makeCertificate, type TestCert } from '../helpers/testCa.js';

const CERT = '/etc/ssl/certs/ssl-cert-snakeoil.pem';
const KEY = '/etc/ssl/private/ssl-cert-snakeoil.key';
const GROUP = 'root:x:0:\nssl-cert:x:103:\n';

let dir = '';
let snake: TestCert;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailsetup-preflight-'));
  snake = makeCertificate(dir, 'snakeoil', { cn: 'vm', dns: ['vm'], days: 3650 });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function planWith(over: Partial<Plan> = {}): Plan {
  return {
    role: 'mail-server',
    answers: { role: 'mail-server', myhostname: 'mx.example.com' },
    files: [],
    actions: [],
    params: [],
    findings: [],
    drift: [],
    ...over,
  };
}

const result = (cmd: string, args: string[], exitCode: number, stdout = '', stderr = ''): CommandResult => ({
  ...okResult(cmd, args),
  exitCode,
  stdout,
  stderr,
});

/** A Debian box: dpkg says which packages are installed; apt-get install and make-ssl-cert do what they do. */
function box(o: { installed?: string[]; makeFails?: boolean; keyMode?: number; root?: string } = {}): MemoryEffects {
  const installed = new Set(o.installed ?? ['ssl-cert']);
  const fx: MemoryEffects = createMemoryEffects({
    root: o.root,
    files: { '/etc/group': GROUP },
    run(cmd, args) {
      if (cmd === 'dpkg-query') {
        const name = args.at(-1) as string;
        return installed.has(name) ? result(cmd, args, 0, 'install ok installed') : result(cmd, args, 1);
      }
      if (cmd === 'apt-cache') return result(cmd, args, 0, `${args[1]}:\n  Candidate: 1.0\n`);
      if (cmd === 'apt-get' && args[0] === 'install') {
        installed.add(args.at(-1) as string);
        // ssl-cert's postinst makes the snakeoil certificate.
        if (args.at(-1) === 'ssl-cert') makeSnakeoil();
        return result(cmd, args, 0);
      }
      if (cmd === 'make-ssl-cert') {
        if (o.makeFails) return result(cmd, args, 1, '', 'make-ssl-cert: could not create the certificate');
        makeSnakeoil();
        return result(cmd, args, 0);
      }
      return okResult(cmd, args);
    },
  });
  function makeSnakeoil() {
    fx.files.set(CERT, { content: snake.cert, mode: 0o644, uid: 0, gid: 0 });
    fx.files.set(KEY, { content: snake.key, mode: o.keyMode ?? 0o640, uid: 0, gid: 103 });
  }
  return fx;
}

async function prepare(fx: MemoryEffects, plan: Plan) {
  const events: StepEvent[] = [];
  const failure = await prepareTls(plan, fx, (e) => events.push(e), fakeHost());
  return { failure, events: events.filter((e) => e.status !== 'running').map((e) => `${e.id} ${e.status}`), fx };
}

const commands = (fx: MemoryEffects) => fx.calls.map((c) => [c.cmd, ...c.args].join(' '));

describe("Debian's snakeoil certificate, before anything is written", () => {
  it('ssl-cert installed, the certificate missing: make-ssl-cert generate-default-snakeoil, then the check', async () => {
    const { failure, events, fx } = await prepare(box(), planWith({ makeSnakeoil: true }));
    expect(failure).toBeNull();
    expect(commands(fx)).toEqual(['dpkg-query -W -f=${Status} ssl-cert', 'make-ssl-cert generate-default-snakeoil']);
    expect(events).toEqual(['apt-install:ssl-cert skipped', 'snakeoil ok']);
  });

  it('ssl-cert missing: installed (its postinst makes the certificate); make-ssl-cert is not needed', async () => {
    const { failure, events, fx } = await prepare(box({ installed: [] }), planWith({ makeSnakeoil: true }));
    expect(failure).toBeNull();
    expect(commands(fx)).toEqual([
      'dpkg-query -W -f=${Status} ssl-cert',
      'apt-cache policy ssl-cert',
      'apt-get install -y ssl-cert',
    ]);
    expect(events).toEqual(['apt-install:ssl-cert ok', 'snakeoil skipped']);
  });

  it('make-ssl-cert fails: the run stops before anything is written, saying what to do instead', async () => {
    const { failure, events } = await prepare(box({ makeFails: true }), planWith({ makeSnakeoil: true }));
    expect(failure?.message).toBe(
      "Debian's snakeoil certificate could not be made (ssl-cert): name a certificate with smtpd_tls_chain_files, " +
        'or answer smtpd_tls_security_level: none',
    );
    expect(events).toEqual(['apt-install:ssl-cert skipped', 'snakeoil failed']);
  });

  it('the certificate it made is checked like any other: a key others may read stops the run', async () => {
    const { failure } = await prepare(box({ keyMode: 0o644 }), planWith({ makeSnakeoil: true }));
    expect(failure?.message).toBe(
      `Debian's snakeoil certificate: ${KEY} holds a private key and other users may read or change it (mode 0644): ` +
        `chmod o-rwx ${KEY} (root only, or root and the ssl-cert group)`,
    );
  });

  it('under --root nothing is installed or made (a skipped step); a plan without the snakeoil does nothing', async () => {
    const sandbox = await prepare(box({ root: '/srv/box' }), planWith({ makeSnakeoil: true }));
    expect(sandbox.failure).toBeNull();
    expect(commands(sandbox.fx)).toEqual([]);
    expect(sandbox.events).toEqual(['snakeoil skipped']);
    const none = await prepare(box(), planWith());
    expect(none.failure).toBeNull();
    expect(commands(none.fx)).toEqual([]);
  });
});

describe('the CA store', () => {
  const caPlan = planWith({
    params: [
      {
        name: 'smtp_tls_CAfile',
        before: undefined,
        after: '/etc/ssl/certs/ca-certificates.crt',
        beforeExpanded: '',
        afterExpanded: '/etc/ssl/certs/ca-certificates.crt',
      },
    ],
  });

  it('named by the plan and missing: ca-certificates is installed; present: nothing runs', async () => {
    const missing = await prepare(box(), caPlan);
    expect(missing.failure).toBeNull();
    expect(commands(missing.fx)).toEqual([
      'dpkg-query -W -f=${Status} ca-certificates',
      'apt-cache policy ca-certificates',
      'apt-get install -y ca-certificates',
    ]);
    const there = box();
    there.files.set('/etc/ssl/certs/ca-certificates.crt', { content: '', mode: 0o644, uid: 0, gid: 0 });
    expect(commands((await prepare(there, caPlan)).fx)).toEqual([]);
  });
});
