/**
 * What the security tests share: the audit's answers files, sandboxes and the outside files an
 * attack aims at (all under one temporary directory per test file), and a runner of the bundle.
 * Each test reproduces one attack of the security audit (issue 14) and proves it fails.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSandbox, removeTree, runCli, type CliResult } from '../helpers/cli.js';

/** The audit's answers files (security-audit.md: ans-nc, ans-ms, ans-bm). */
export const ANSWERS = {
  nc: 'role: null-client\nmyhostname: mail.example.com\nrelayhost: "[smtp.example.net]:587"\npostmaster: admin@example.com\n',
  ms: 'role: mail-server\nmyhostname: mail.example.com\npostmaster: admin@example.com\n',
  bm:
    'role: backup-mx\nmyhostname: mail.example.com\npostmaster: admin@example.com\nrelay_domains: [example.org]\n' +
    'proxy_interfaces: [203.0.113.5]\nrelay_recipients: [a@example.org, b@example.org, c@example.org]\n',
} as const;

/** A scratch area for one test file: sandboxes, answers files, outside victims; removed at the end. */
export class Lab {
  readonly dir: string;
  private n = 0;
  private readonly made: string[] = [];

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(this.dir, 0o755);
  }

  /** A fresh --root sandbox (Debian's master.cf, aliases, rsyslog drop-in; no main.cf). */
  sandbox(): string {
    const d = makeSandbox('mailsetup-sec-');
    this.made.push(d);
    return d;
  }

  /** A file under the lab (parents made), mode 0644 unless given; returns its path. */
  file(rel: string, text: string, mode = 0o644): string {
    const p = join(this.dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
    chmodSync(p, mode);
    return p;
  }

  /** An answers file in the lab. */
  answers(text: string): string {
    return this.file(`answers-${++this.n}.yaml`, text);
  }

  /** A path in the lab (not created). */
  path(rel: string): string {
    return join(this.dir, rel);
  }

  remove(): void {
    for (const d of this.made) removeTree(d);
    removeTree(this.dir);
  }
}

/** Run the bundle (what users run), colours off. */
export function mailsetup(
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string } = {},
): Promise<CliResult> {
  return runCli([...args, '--no-color'], { via: 'bundle', timeoutMs: 170_000, ...opts });
}
