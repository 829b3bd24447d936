/**
 * End to end: a PRIVATE real Postfix (own config, queue and data directories under /var/tmp,
 * smtpd bound to 127.0.0.61:2561 in master.cf, no chroot, logging to a file through postlogd) configured as a null
 * client whose smart host settings come from mailsetup's planner, sends one message through a
 * smart host (Nodemailer's smtp-server on 127.0.0.1) that requires STARTTLS and AUTH. The smart
 * host must see the right login and envelope; the password must sit in no file but sasl_passwd
 * and its .db. Never touches /etc/postfix or the system's Postfix.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plan } from '../../src/plan/plan.js';
import { MainCf } from '../../src/postfix/mainCf.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { fakeHost, freshFiles, templates } from '../helpers/host.js';
import { waitFor } from '../helpers/instance.js';
import { needsRoot } from '../helpers/needs.js';
import { describePostfix } from '../helpers/postfix.js';
import { makeTestPki, type TestPki } from '../helpers/testCa.js';
import { SASL_PASSWD_MAP } from '../../src/model/paths.js';

const AS_ROOT = needsRoot(
  'the SASL smart host end to end',
  'it starts a private Postfix instance, whose master runs as root',
);
const USER = 'relay-user@example.net';
const PASSWORD = 'Zq7:secret#with$chars';
const LISTEN = '127.0.0.61:2561';

interface Received {
  user: string;
  from: string;
  to: string[];
  data: string;
}

/** Every regular file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function run(cmd: string, args: string[], input?: string): { status: number; out: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    input,
    timeout: 60_000,
    env: { ...process.env, NORANDOMIZE: '1' },
  });
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

(AS_ROOT ? describePostfix : describe.skip)('smart host with SASL, end to end through a private Postfix', () => {
  let base = '';
  let conf = '';
  let pki: TestPki;
  let server: SMTPServer | null = null;
  let started = false;
  const received: Received[] = [];
  const auths: Array<{ method: string; username: string; ok: boolean }> = [];
  let smartHostPort = 0;
  const log = () =>
    existsSync(join(base, 'postfix.log')) ? readFileSync(join(base, 'postfix.log'), 'utf8') : '(no log)';

  beforeAll(async () => {
    const sasl = run('dpkg-query', ['-W', '-f=${Status}', 'libsasl2-modules']);
    if (!/install ok installed/.test(sasl.out)) {
      throw new Error(
        "libsasl2-modules is not installed: Postfix's SMTP client has no SASL mechanism without " +
          'it ("No worthy mechs found"); install it (apt-get install libsasl2-modules; .ci/run does)',
      );
    }
    base = mkdtempSync('/var/tmp/mailsetup-sasl-e2e-');
    chmodSync(base, 0o755);
    conf = join(base, 'conf');
    for (const d of ['conf', 'queue', 'data', 'pki']) mkdirSync(join(base, d), { mode: 0o755 });
    const uid = Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postfix'], { encoding: 'utf8' }).trim());
    chownSync(join(base, 'data'), uid, gid);
    chmodSync(join(base, 'data'), 0o700);
    pki = makeTestPki(join(base, 'pki'));

    // The smart host: STARTTLS with the test CA's certificate, AUTH PLAIN/LOGIN required.
    server = new SMTPServer({
      logger: false,
      key: pki.key,
      cert: pki.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      closeTimeout: 1_000,
      onAuth(auth, _s, cb) {
        const ok = auth.username === USER && auth.password === PASSWORD;
        auths.push({ method: auth.method, username: auth.username ?? '', ok });
        if (ok) cb(null, { user: auth.username });
        else cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            user: String(session.user ?? ''),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks).toString('utf8'),
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(0, '127.0.0.1', () => resolve());
    });
    smartHostPort = (server.server.address() as AddressInfo).port;

    // mailsetup's plan for a null client with a SASL smart host.
    const host = fakeHost({ fqdn: 'client.example.com', hostname: 'client' });
    const answers = resolveAnswers(
      {
        role: 'null-client',
        relayhost: `[127.0.0.1]:${smartHostPort}`,
        postmaster: 'admin@example.net',
        smtp_sasl: { username: USER, password: PASSWORD },
        myhostname: 'client.example.com',
      },
      host,
    );
    const p = plan({ answers, host, files: freshFiles(), templates: templates() });
    const planned = MainCf.parse(p.files.find((f) => f.path === '/etc/postfix/main.cf')?.after ?? '');
    const saslFile = p.files.find((f) => f.path === SASL_PASSWD_MAP);
    if (!saslFile?.after) throw new Error('the plan has no sasl_passwd map');
    expect(saslFile.secret).toBe(true);
    expect(saslFile.mode).toBe(0o600);
    const taken: Array<[string, string]> = [];
    for (const e of planned.entries()) {
      if (e.name === 'relayhost' || /^smtp_(sasl|tls)_/.test(e.name)) {
        taken.push([e.name, e.value.split('/etc/postfix/').join(`${conf}/`)]);
      }
    }
    expect(taken.map(([n]) => n).sort()).toEqual([
      'relayhost',
      'smtp_sasl_auth_enable',
      'smtp_sasl_password_maps',
      'smtp_sasl_security_options',
      'smtp_sasl_tls_security_options',
      // TLS (issue 17): the CA store, the session cache, protocol floors, logging; encrypt for the login.
      'smtp_tls_CAfile',
      'smtp_tls_loglevel',
      'smtp_tls_mandatory_protocols',
      'smtp_tls_protocols',
      'smtp_tls_security_level',
      'smtp_tls_session_cache_database',
    ]);
    expect(Object.fromEntries(taken).smtp_tls_security_level).toBe('encrypt');

    const main = [
      'compatibility_level = 3.6',
      `queue_directory = ${base}/queue`,
      `data_directory = ${base}/data`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      `maillog_file = ${base}/postfix.log`,
      // 127.0.0.61 is no interface address (lo has 127.0.0.1/8), so Postfix refuses it in
      // inet_interfaces ("no local interface found"); the smtpd service binds it in master.cf.
      'inet_interfaces = loopback-only',
      'inet_protocols = ipv4',
      'myhostname = client.example.com',
      'mydomain = example.com',
      'myorigin = $myhostname',
      'mydestination =',
      'local_transport = error:local delivery is disabled',
      'alias_maps =',
      'alias_database =',
      'smtpd_banner = $myhostname ESMTP',
      `smtp_tls_CAfile = ${pki.caFile}`,
      'smtp_tls_loglevel = 1',
      // The test CA stands in for the system store the plan names.
      ...taken.filter(([n]) => n !== 'smtp_tls_CAfile' && n !== 'smtp_tls_loglevel').map(([n, v]) => `${n} = ${v}`),
      '',
    ].join('\n');
    writeFileSync(join(conf, 'main.cf'), main);
    writeFileSync(
      join(conf, 'master.cf'),
      [
        `${LISTEN} inet n - n - - smtpd`,
        'pickup    unix  n       -       n       60      1       pickup',
        'cleanup   unix  n       -       n       -       0       cleanup',
        'qmgr      unix  n       -       n       300     1       qmgr',
        'tlsmgr    unix  -       -       n       1000?   1       tlsmgr',
        'rewrite   unix  -       -       n       -       -       trivial-rewrite',
        'bounce    unix  -       -       n       -       0       bounce',
        'defer     unix  -       -       n       -       0       bounce',
        'trace     unix  -       -       n       -       0       bounce',
        'verify    unix  -       -       n       -       1       verify',
        'flush     unix  n       -       n       1000?   0       flush',
        'proxymap  unix  -       -       n       -       -       proxymap',
        'proxywrite unix -       -       n       -       1       proxymap',
        'smtp      unix  -       -       n       -       -       smtp',
        'relay     unix  -       -       n       -       -       smtp',
        'showq     unix  n       -       n       -       -       showq',
        'error     unix  -       -       n       -       -       error',
        'retry     unix  -       -       n       -       -       error',
        'discard   unix  -       -       n       -       -       discard',
        'local     unix  -       n       n       -       -       local',
        'anvil     unix  -       -       n       -       1       anvil',
        'scache    unix  -       -       n       -       1       scache',
        'postlog   unix-dgram n  -       n       -       1       postlogd',
        '',
      ].join('\n'),
    );
    // Postfix waits until a just-written main.cf is a second old; backdate both files.
    const past = new Date(Date.now() - 3600_000);
    for (const f of ['main.cf', 'master.cf']) utimesSync(join(conf, f), past, past);
    // The credentials map exactly as the plan wrote it (only its directory differs), root-only.
    const mapPath = join(conf, 'sasl_passwd');
    writeFileSync(mapPath, saslFile.after, { mode: 0o600 });
    chmodSync(mapPath, 0o600);
    const pm = run('postmap', ['-c', conf, `hash:${mapPath}`]);
    if (pm.status !== 0) throw new Error(`postmap failed: ${pm.out}`);
    chmodSync(`${mapPath}.db`, 0o600);
    const check = run('postconf', ['-c', conf, '-n']);
    expect(check.out).not.toMatch(/warning/);
    const start = run('postfix', ['-c', conf, 'start']);
    if (start.status !== 0) throw new Error(`postfix start failed (${start.status}): ${start.out}\n${log()}`);
    started = true;
  }, 120_000);

  afterAll(async () => {
    if (started) {
      const stop = run('postfix', ['-c', conf, 'stop']);
      if (stop.status !== 0) {
        // Fall back to the master's own pid file.
        const pidFile = join(base, 'queue', 'pid', 'master.pid');
        if (existsSync(pidFile)) {
          const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
          if (pid > 0)
            try {
              process.kill(pid, 'SIGTERM');
            } catch {
              /* already gone */
            }
        }
      }
      await waitFor(10_000, () =>
        existsSync(join(base, 'queue', 'pid', 'master.pid')) && run('postfix', ['-c', conf, 'status']).status === 0
          ? undefined
          : true,
      );
    }
    if (server) {
      const s = server;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 3_000);
        s.close(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (base) rmSync(base, { recursive: true, force: true });
  }, 60_000);

  it('sends through the smart host with the planned login, over verified TLS; the password stays in the map', async () => {
    const message =
      'From: sender@client.example.com\nTo: rcpt@example.org\nSubject: mailsetup SASL test\n\nhello through the smart host\n';
    const sent = run('sendmail', ['-C', conf, '-f', 'sender@client.example.com', 'rcpt@example.org'], message);
    expect(sent.status, sent.out).toBe(0);
    const got = await waitFor(60_000, () => received[0]);
    expect(got, `nothing arrived at the smart host within 60 s; Postfix log:\n${log()}`).toBeDefined();
    expect(got?.user).toBe(USER);
    expect(got?.from).toBe('sender@client.example.com');
    expect(got?.to).toEqual(['rcpt@example.org']);
    expect(got?.data).toContain('Subject: mailsetup SASL test');
    expect(got?.data).toContain('hello through the smart host');
    expect(auths.map((a) => [a.username, a.ok])).toEqual([[USER, true]]);
    // The log shows the delivery over a TLS connection whose certificate chain verified.
    const logged = await waitFor(10_000, () =>
      /status=sent/.test(log()) && /Trusted TLS connection established/.test(log()) ? log() : undefined,
    );
    expect(logged, log()).toBeDefined();
    expect(log()).toMatch(new RegExp(`relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${smartHostPort}, .*status=sent`));

    // The password is in sasl_passwd and its .db, and nowhere else in the instance.
    const b64 = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
    const holders = filesUnder(base).filter((f) => {
      const text = readFileSync(f).toString('latin1');
      return text.includes(PASSWORD) || text.includes(b64);
    });
    expect(holders.sort()).toEqual([join(conf, 'sasl_passwd'), join(conf, 'sasl_passwd.db')]);
    for (const f of holders) expect(statSync(f).mode & 0o777).toBe(0o600);
  }, 120_000);
});
