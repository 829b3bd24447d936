/**
 * A private, real Postfix instance (master + smtpd + postlogd) in a temp directory, listening on
 * 127.0.0.1 only, used to ask smtpd itself whether a client address is in `mynetworks`.
 *
 * `postconf` and `postfix check` do not parse mynetworks at all (they accept garbage), so the
 * only faithful oracle is the daemon: the instance has `smtpd_helo_restrictions =
 * permit_mynetworks, reject` and `smtpd_delay_reject = no`; each probe connects, sends
 * `XCLIENT ADDR=<addr>` (allowed from 127.0.0.0/8) and then `EHLO`: 250 = in mynetworks,
 * 554 = not, 451 = smtpd could not evaluate the list. Logs go to DIR/maillog (postlogd).
 *
 * Needs root (master runs as root; smtpd and postlogd run as the postfix user). Started with
 * `master -c DIR -w` directly (not `postfix start`, whose permission checks take ~10 s). Never
 * touches /etc/postfix, /var/spool/postfix or the system's Postfix; the instance is stopped by
 * SIGTERM to the PID in its own pid file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { closedPort } from './ports.js';
import { cleanup, tempDir } from './postfix.js';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Read SMTP replies from a socket: `next()` resolves with the next complete (multi-line) reply. */
class ReplyReader {
  private buffer = '';
  private lines: string[] = [];
  private waiting: Array<() => void> = [];
  private closed = false;
  constructor(sock: Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buffer += d;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        this.lines.push(this.buffer.slice(0, nl).replace(/\r$/, ''));
        this.buffer = this.buffer.slice(nl + 1);
      }
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }
  private wake(): void {
    for (const w of this.waiting.splice(0)) w();
  }
  async next(): Promise<string> {
    for (;;) {
      const end = this.lines.findIndex((l) => l.length < 4 || l[3] !== '-');
      if (end >= 0) return this.lines.splice(0, end + 1).join('\n');
      if (this.closed) throw new Error(`connection closed; partial reply: ${this.lines.join('\n')}`);
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }
}

export interface EhloVerdict {
  /** Reply code to EHLO after XCLIENT: 250 (in mynetworks), 554 (not), 451 (list error). */
  code: number;
  /** The XCLIENT reply (220 greeting on success). */
  xclient: string;
  ehlo: string;
}

export class SmtpdProbe {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /**
   * Start an instance whose main.cf has `mynetworks = <mynetworks>` plus the probe settings.
   * Call `stop()` when done (also on failure paths).
   */
  static async start(mynetworks: string): Promise<SmtpdProbe> {
    const dir = tempDir('mailsetup-smtpd-');
    const port = await closedPort();
    const probe = new SmtpdProbe(dir, port);
    try {
      chmodSync(dir, 0o755);
      const uid = Number(execFileSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postfix'], { encoding: 'utf8' }).trim());
      // The parts of the queue directory master, smtpd and postlogd use (what postfix-script
      // would create; calling `postfix start` instead costs ~10 s of permission checks).
      for (const [sub, mode, owner] of [
        ['queue', 0o755, 0],
        ['queue/pid', 0o755, 0],
        ['queue/private', 0o700, uid],
        ['queue/public', 0o710, uid],
        ['data', 0o700, uid],
      ] as const) {
        mkdirSync(join(dir, sub), { mode });
        chmodSync(join(dir, sub), mode);
        if (owner !== 0) chownSync(join(dir, sub), uid, gid);
      }
      writeFileSync(
        join(dir, 'main.cf'),
        [
          'compatibility_level = 3.6',
          `queue_directory = ${dir}/queue`,
          `data_directory = ${dir}/data`,
          `maillog_file = ${dir}/maillog`,
          `maillog_file_prefixes = ${dir}`,
          'myhostname = probe.mailsetup.invalid',
          'inet_interfaces = 127.0.0.1',
          'inet_protocols = all',
          'smtpd_authorized_xclient_hosts = 127.0.0.0/8',
          'smtpd_peername_lookup = no',
          'smtpd_delay_reject = no',
          'smtpd_client_restrictions =',
          'smtpd_helo_restrictions = permit_mynetworks, reject',
          'smtpd_client_connection_count_limit = 0',
          'smtpd_client_connection_rate_limit = 0',
          'local_recipient_maps =',
          'alias_maps =',
          `mynetworks = ${mynetworks}`,
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'master.cf'),
        `127.0.0.1:${port} inet n - n - - smtpd\npostlog unix-dgram n - n - 1 postlogd\n`,
      );
      // Postfix waits until a just-written main.cf is older than a second; backdate it.
      const past = new Date(Date.now() - 3600_000);
      utimesSync(join(dir, 'main.cf'), past, past);
      const daemonDir = execFileSync('postconf', ['-dh', 'daemon_directory'], { encoding: 'utf8' }).trim();
      // -w: return once the background master has initialised.
      const r = spawnSync(join(daemonDir, 'master'), ['-c', dir, '-w'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`master failed to start (${r.status}): ${r.stderr}\n${probe.log()}`);
      for (let i = 0; ; i++) {
        if (await probe.canConnect()) break;
        if (i > 100) throw new Error(`smtpd did not come up on port ${port}\n${probe.log()}`);
        await sleep(100);
      }
      return probe;
    } catch (e) {
      probe.stop();
      throw e;
    }
  }

  private canConnect(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = connect(this.port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
  }

  /** XCLIENT ADDR=addr (IPv6 as `IPV6:addr`), then EHLO; returns the EHLO reply code. */
  async verdict(addr: string): Promise<EhloVerdict> {
    const sock = connect(this.port, '127.0.0.1');
    const reader = new ReplyReader(sock);
    try {
      const greeting = await reader.next();
      if (!greeting.startsWith('220')) throw new Error(`unexpected greeting: ${greeting}`);
      const xaddr = addr.includes(':') ? `IPV6:${addr}` : addr;
      sock.write(`XCLIENT ADDR=${xaddr} NAME=probe.invalid\r\n`);
      const xclient = await reader.next();
      sock.write('EHLO probe.invalid\r\n');
      const ehlo = await reader.next();
      sock.write('QUIT\r\n');
      await reader.next().catch(() => '');
      return { code: Number.parseInt(ehlo.slice(0, 3), 10), xclient, ehlo };
    } finally {
      sock.destroy();
    }
  }

  /** The instance's log so far (postlogd writes asynchronously; wait a moment before reading). */
  log(): string {
    const path = join(this.dir, 'maillog');
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  /** Stop this instance's master (SIGTERM to the PID in its own pid file), wait, remove the directory. */
  stop(): void {
    const pidFile = join(this.dir, 'queue', 'pid', 'master.pid');
    let pid = 0;
    if (existsSync(pidFile)) pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        pid = 0;
      }
      const deadline = Date.now() + 10_000;
      while (pid > 0 && Date.now() < deadline) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        spawnSync('sleep', ['0.1']);
      }
    }
    cleanup(this.dir);
  }
}
