/**
 * testSmartHostLogin against real SMTP servers on 127.0.0.1: Nodemailer's smtp-server (STARTTLS,
 * implicit TLS, AUTH PLAIN / LOGIN / CRAM-MD5) with a test CA made here by openssl, and a few
 * hand-scripted servers for broken conversations. Every server is closed after each test.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authMechanisms, testSmartHostLogin, type LoginOptions } from '../../src/system/smtpLogin.js';
import { closedPort } from '../helpers/ports.js';
import { cleanup, tempDir } from '../helpers/postfix.js';
import { makeTestPki, type TestPki } from '../helpers/testCa.js';

const USER = 'relay-user@example.net';
const PASSWORD = 'pa55:w0rd with space';
const WRONG = 'not-the-password';

let pki: TestPki;
let dir: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(() => {
  dir = tempDir('mailsetup-smtplogin-');
  pki = makeTestPki(dir);
});
afterAll(() => cleanup(dir));
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** Close a server, bounded: connections still open after 2 s are cut. */
function bounded(close: (cb: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 2_000);
    close(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

interface Started {
  port: number;
  auths: Array<{ method: string; username: string }>;
}

/** Start smtp-server on 127.0.0.1:<random> with the CA-signed certificate; AUTH needs USER/PASSWORD. */
async function smtpServer(options: SMTPServerOptions = {}): Promise<Started> {
  const auths: Started['auths'] = [];
  const server = new SMTPServer({
    logger: false,
    key: pki.key,
    cert: pki.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    closeTimeout: 1_000,
    hideENHANCEDSTATUSCODES: false,
    onAuth(auth, _session, cb) {
      auths.push({ method: auth.method, username: auth.username ?? '' });
      const good = auth.method === 'CRAM-MD5' ? auth.validatePassword(PASSWORD) : auth.password === PASSWORD;
      if (auth.username === USER && good) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  closers.push(() => bounded((cb) => server.close(cb)));
  const port = (server.server.address() as AddressInfo).port;
  return { port, auths };
}

/** A hand-written server: `onConnect` gets each socket. */
async function scripted(onConnect: (s: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConnect(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  closers.push(() =>
    bounded((cb) => {
      for (const s of sockets) s.destroy();
      server.close(() => cb());
    }),
  );
  return (server.address() as AddressInfo).port;
}

function login(over: Partial<LoginOptions> & { connectPort: number }): ReturnType<typeof testSmartHostLogin> {
  return testSmartHostLogin({
    relayhost: '[localhost]:587',
    username: USER,
    password: PASSWORD,
    ca: pki.ca,
    connectHost: '127.0.0.1',
    ehloName: 'client.example.com',
    timeoutMs: 5_000,
    ...over,
  });
}

const B64_PASSWORD = Buffer.from(PASSWORD).toString('base64');
function expectNoSecret(r: object): void {
  const text = JSON.stringify(r);
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(B64_PASSWORD);
  expect(text).not.toContain(Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64'));
}

describe('testSmartHostLogin against smtp-server', () => {
  it('logs in over STARTTLS (submission style) with AUTH PLAIN', async () => {
    const srv = await smtpServer();
    const r = await login({ connectPort: srv.port });
    expect(r.ok).toBe(true);
    expect(r.stage).toBe('done');
    expect(r.message).toBe('235 2.7.0 Authentication successful');
    expect(r.mechanisms).toEqual(['PLAIN', 'LOGIN']);
    expect(srv.auths).toEqual([{ method: 'PLAIN', username: USER }]);
    const client = r.transcript.filter((l) => l.startsWith('C: '));
    expect(client).toEqual([
      'C: EHLO client.example.com',
      'C: STARTTLS',
      'C: EHLO client.example.com',
      'C: AUTH PLAIN <credentials hidden>',
      'C: QUIT',
    ]);
    expect(r.transcript).toContain('S: 220 2.0.0 Ready to start TLS');
    expect(r.transcript.some((l) => /^-- TLS TLSv1\.[23] \S+: certificate verified for localhost$/.test(l))).toBe(true);
    expectNoSecret(r);
  });

  it('logs in with implicit TLS when the relay host says port 465 (and the smtps/submissions names)', async () => {
    const srv = await smtpServer({ secure: true });
    for (const relayhost of ['[localhost]:465', '[localhost]:smtps', '[localhost]:submissions']) {
      const r = await login({ relayhost, connectPort: srv.port });
      expect(r.stage).toBe('done');
      expect(r.ok).toBe(true);
      expect(r.transcript.filter((l) => l.startsWith('C: '))).toEqual([
        'C: EHLO client.example.com',
        'C: AUTH PLAIN <credentials hidden>',
        'C: QUIT',
      ]);
      expect(r.transcript[0]).toBe(`-- connecting to 127.0.0.1 port ${srv.port} (TLS from the start)`);
    }
    expect(srv.auths).toHaveLength(3);
  });

  it("a wrong password: stage auth with the server's 535 reply word for word", async () => {
    const srv = await smtpServer();
    const r = await login({ connectPort: srv.port, password: WRONG });
    expect(r).toMatchObject({ ok: false, stage: 'auth', message: '535 5.7.8 Authentication credentials invalid' });
    expect(r.transcript.at(-2)).toBe('S: 535 5.7.8 Authentication credentials invalid');
    expect(r.transcript.at(-1)).toBe('C: QUIT');
    expect(JSON.stringify(r)).not.toContain(WRONG);
  });

  it('AUTH LOGIN when the server offers only LOGIN; both answers hidden', async () => {
    const srv = await smtpServer({ authMethods: ['LOGIN'] });
    const r = await login({ connectPort: srv.port });
    expect(r).toMatchObject({ ok: true, stage: 'done', mechanisms: ['LOGIN'] });
    expect(r.transcript.filter((l) => l.startsWith('C: ')).slice(3)).toEqual([
      'C: AUTH LOGIN',
      'C: <credentials hidden>',
      'C: <credentials hidden>',
      'C: QUIT',
    ]);
    expect(srv.auths).toEqual([{ method: 'LOGIN', username: USER }]);
    expectNoSecret(r);
    const bad = await login({ connectPort: srv.port, password: WRONG });
    expect(bad).toMatchObject({ ok: false, stage: 'auth', message: '535 5.7.8 Authentication credentials invalid' });
  });

  it('AUTH CRAM-MD5 when that is all the server offers', async () => {
    const srv = await smtpServer({ authMethods: ['CRAM-MD5'] });
    const r = await login({ connectPort: srv.port });
    expect(r).toMatchObject({ ok: true, stage: 'done', mechanisms: ['CRAM-MD5'] });
    const bad = await login({ connectPort: srv.port, password: WRONG });
    expect(bad).toMatchObject({ ok: false, stage: 'auth', message: '535 5.7.8 Authentication credentials invalid' });
    expectNoSecret(r);
  });

  it('a server without AUTH: "server offers no AUTH"', async () => {
    const srv = await smtpServer({ disabledCommands: ['AUTH'] });
    const r = await login({ connectPort: srv.port });
    expect(r).toMatchObject({ ok: false, stage: 'auth', message: 'server offers no AUTH', mechanisms: [] });
    expect(r.transcript.filter((l) => l.startsWith('C: '))).toEqual([
      'C: EHLO client.example.com',
      'C: STARTTLS',
      'C: EHLO client.example.com',
      'C: QUIT',
    ]);
  });

  it('a server without STARTTLS: no credentials are sent in clear', async () => {
    const srv = await smtpServer({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    const r = await login({ connectPort: srv.port });
    expect(r).toMatchObject({ ok: false, stage: 'starttls', message: 'server does not offer STARTTLS' });
    expect(r.transcript.filter((l) => l.startsWith('C: '))).toEqual(['C: EHLO client.example.com', 'C: QUIT']);
    expect(srv.auths).toEqual([]);
  });

  it('a self-signed certificate does not verify (no CA given): stage tls with the TLS error', async () => {
    const srv = await smtpServer({ key: pki.selfKey, cert: pki.selfCert });
    const r = await login({ connectPort: srv.port, ca: undefined });
    expect(r).toMatchObject({ ok: false, stage: 'tls', message: 'self-signed certificate' });
    expect(srv.auths).toEqual([]);
    // Trusting that very certificate makes it work: the failure above is the verification.
    const trusted = await login({ connectPort: srv.port, ca: pki.selfCert });
    expect(trusted.ok).toBe(true);
  });

  it('a certificate for another name: stage tls, host name mismatch', async () => {
    const srv = await smtpServer();
    const r = await login({ connectPort: srv.port, relayhost: '[mail.example.test]:587' });
    expect(r.ok).toBe(false);
    expect(r.stage).toBe('tls');
    expect(r.message).toBe(
      "Hostname/IP does not match certificate's altnames: Host: mail.example.test. is not in the cert's altnames: DNS:localhost, IP Address:127.0.0.1",
    );
    expect(srv.auths).toEqual([]);
  });

  it("an IP address relay host is checked against the certificate's IP entry", async () => {
    const srv = await smtpServer();
    const r = await login({ connectPort: srv.port, relayhost: '[127.0.0.1]:587', connectHost: undefined });
    expect(r).toMatchObject({ ok: true, stage: 'done' });
    expect(r.transcript.some((l) => l.endsWith('certificate verified for 127.0.0.1'))).toBe(true);
  });

  it('an unbracketed relay host is looked up as MX; the certificate must match the MX name', async () => {
    const srv = await smtpServer();
    const asked: string[] = [];
    const r = await login({
      connectPort: srv.port,
      connectHost: undefined,
      relayhost: 'example.test:587',
      resolveMx: async (n) => {
        asked.push(n);
        return [
          { exchange: 'backup.example.test', priority: 20 },
          { exchange: 'localhost', priority: 10 },
        ];
      },
    });
    expect(asked).toEqual(['example.test']);
    expect(r.transcript.slice(0, 2)).toEqual([
      '-- MX for example.test: localhost (preference 10)',
      `-- connecting to localhost port ${srv.port}`,
    ]);
    expect(r).toMatchObject({ ok: true, stage: 'done' });
  });
});

describe('testSmartHostLogin: broken conversations', () => {
  it('connection refused: stage connect with the network error', async () => {
    const port = await closedPort();
    const r = await login({ connectPort: port });
    expect(r).toMatchObject({ ok: false, stage: 'connect', message: `connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  it("a 554 greeting: stage greeting, the server's words", async () => {
    const port = await scripted((s) => {
      s.end('554-mx.example.net no SMTP service here\r\n554 5.3.2 go away\r\n');
    });
    const r = await login({ connectPort: port });
    expect(r).toMatchObject({
      ok: false,
      stage: 'greeting',
      message: '554-mx.example.net no SMTP service here\n554 5.3.2 go away',
    });
  });

  it('a silent server: bounded wait, stage greeting', async () => {
    const port = await scripted(() => undefined);
    const started = Date.now();
    const r = await login({ connectPort: port, timeoutMs: 300 });
    expect(r).toMatchObject({
      ok: false,
      stage: 'greeting',
      message: 'timed out after 0.3 s waiting for the greeting',
    });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('EHLO refused: stage ehlo', async () => {
    const port = await scripted((s) => {
      s.write('220 ready\r\n');
      s.on('data', () => s.write('502 5.5.1 EHLO not implemented\r\n'));
    });
    const r = await login({ connectPort: port });
    expect(r).toMatchObject({ ok: false, stage: 'ehlo', message: '502 5.5.1 EHLO not implemented' });
  });

  it('STARTTLS refused by the server: stage starttls with its reply', async () => {
    const port = await scripted((s) => {
      s.write('220 ready\r\n');
      s.on('data', (d: Buffer) => {
        const cmd = d.toString();
        if (cmd.startsWith('EHLO')) s.write('250-hi\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n');
        else if (cmd.startsWith('STARTTLS')) s.write('454 4.7.0 TLS not available due to local problem\r\n');
        else s.write('221 bye\r\n');
      });
    });
    const r = await login({ connectPort: port });
    expect(r).toMatchObject({
      ok: false,
      stage: 'starttls',
      message: '454 4.7.0 TLS not available due to local problem',
      mechanisms: [],
    });
  });

  it('data injected after the STARTTLS reply is refused (no TLS on a tainted stream)', async () => {
    const port = await scripted((s) => {
      s.write('220 ready\r\n');
      s.on('data', (d: Buffer) => {
        const cmd = d.toString();
        if (cmd.startsWith('EHLO')) s.write('250-hi\r\n250 STARTTLS\r\n');
        else if (cmd.startsWith('STARTTLS')) s.write('220 go ahead\r\n250 injected\r\n');
      });
    });
    const r = await login({ connectPort: port });
    expect(r).toMatchObject({
      ok: false,
      stage: 'starttls',
      message: 'the server sent data after its reply to STARTTLS',
    });
  });

  it('the server hangs up in the middle: stage and message say so', async () => {
    const port = await scripted((s) => {
      s.write('220 ready\r\n');
      s.on('data', () => s.end('250-hi\r\n'));
    });
    const r = await login({ connectPort: port });
    expect(r).toMatchObject({
      ok: false,
      stage: 'ehlo',
      message: 'the server closed the connection while waiting for the reply to EHLO (partial reply: 250-hi)',
    });
  });

  it('relay hosts it cannot test are refused before connecting', async () => {
    expect(
      await testSmartHostLogin({ relayhost: '[localhost]:imap', username: USER, password: PASSWORD }),
    ).toMatchObject({
      ok: false,
      stage: 'connect',
      message: 'unknown service "imap" in the relay host: write the port number',
      transcript: [],
    });
    expect(await testSmartHostLogin({ relayhost: '$mydomain', username: USER, password: PASSWORD })).toMatchObject({
      ok: false,
      stage: 'connect',
      message: 'the relay host "$mydomain" refers to a parameter: give the host name to test the login',
    });
    expect(await testSmartHostLogin({ relayhost: 'a b', username: USER, password: PASSWORD })).toMatchObject({
      ok: false,
      stage: 'connect',
      message: '"a b" is not a valid relay host: it contains whitespace (give a single destination)',
    });
    expect(await testSmartHostLogin({ relayhost: '[localhost]', username: USER, password: '' })).toMatchObject({
      ok: false,
      stage: 'auth',
      message: 'no password given',
    });
  });

  it('port 25 by default, and submission means 587 (STARTTLS)', async () => {
    const port = await closedPort();
    const r25 = await testSmartHostLogin({
      relayhost: '[localhost]',
      username: USER,
      password: PASSWORD,
      connectHost: '127.0.0.1',
      connectPort: port,
      timeoutMs: 2_000,
    });
    expect(r25.transcript[0]).toBe(`-- connecting to 127.0.0.1 port ${port}`);
    const srv = await smtpServer();
    const r587 = await login({ relayhost: '[localhost]:submission', connectPort: srv.port });
    expect(r587.transcript).toContain('C: STARTTLS');
    expect(r587.ok).toBe(true);
  });
});

describe('authMechanisms', () => {
  it('reads AUTH and AUTH= lines, upper case, without duplicates', () => {
    expect(
      authMechanisms(['250-mx.example.net', '250-AUTH PLAIN login', '250-AUTH=PLAIN LOGIN XOAUTH2', '250 8BITMIME']),
    ).toEqual(['PLAIN', 'LOGIN', 'XOAUTH2']);
    expect(authMechanisms(['250-mx', '250-AUTHX FOO', '250 SIZE'])).toEqual([]);
  });
});
