/**
 * What every --verify check is given: the Effects, the host, the Postfix configuration
 * directory and its parameters as Postfix reads them, the mail log, and the bounds.
 */
import type { Effects } from '../../model/effects.js';
import type { StepEvent } from '../../model/events.js';
import type { HostFacts } from '../../model/host.js';
import type { LiveParams } from '../../roles/role.js';
import type { LogTail } from './log.js';

export interface VerifyOptions {
  color: boolean;
  /**
   * A Postfix configuration directory other than /etc/postfix (a private instance, tests). Its
   * files are then looked up there: /etc/postfix/X → DIR/X, /etc/aliases → DIR/aliases, the state
   * file → DIR/mailsetup.yaml.
   */
  configDir?: string;
  /**
   * host:port ([v6]:port) of the smtp service to probe, for an instance whose smtp service is
   * pinned to one address standing in for the role's public address (tests). The listening check
   * then requires that address instead of judging loopback against the role.
   */
  smtpAddress?: string;
  /** Bound on each wait for a log line (default 30 s). */
  waitMs?: number;
  /** Where the report goes (default stdout). */
  write?: (s: string) => void;
  /** Also told of each check's events (--json). */
  onEvent?: (e: StepEvent) => void;
}

/** Where the SMTP checks talk to the smtp service. */
export interface Target {
  host: string;
  port: number;
}

export interface VerifyContext {
  fx: Effects;
  host: HostFacts;
  /** The configuration directory as a real path (`postconf -c` takes it). */
  cfg: string;
  /** See VerifyOptions.configDir. */
  configDir?: string;
  /** See VerifyOptions.smtpAddress. */
  smtpAddress?: string;
  /** Bound on each wait for a log line. */
  waitMs: number;
  params: LiveParams;
  log: LogTail;
}

/** The parameters the checks read, in one `postconf -xh` call. */
export const PARAMS = [
  'myhostname',
  'mydomain',
  'myorigin',
  'mydestination',
  'mynetworks',
  'inet_interfaces',
  'inet_protocols',
  'proxy_interfaces',
  'relayhost',
  'relay_domains',
  'maillog_file',
  'default_database_type',
  'smtp_tls_security_level',
  'smtp_use_tls',
  'smtp_enforce_tls',
  'smtp_dns_support_level',
  'smtp_tls_CAfile',
  'smtp_tls_CApath',
  'smtpd_tls_security_level',
  'smtpd_use_tls',
] as const;

/** The parameters (expanded, as Postfix uses them), or what postconf said when it failed. */
export async function readParams(fx: Effects, cfg: string): Promise<LiveParams | string> {
  const r = await fx.run('postconf', ['-c', cfg, '-xh', ...PARAMS], { timeoutMs: 30_000 });
  if (r.exitCode !== 0) return `postconf -c ${cfg} exited ${r.exitCode}: ${r.stderr.trim()}`;
  const values = r.stdout.split('\n');
  return Object.fromEntries(PARAMS.map((p, i) => [p, (values[i] ?? '').trim()]));
}

/** The system path of the log Postfix writes: maillog_file when set, else /var/log/mail.log. */
export function logPathOf(params: LiveParams): string {
  const file = params.maillog_file;
  return file && file !== '/dev/stdout' ? file : '/var/log/mail.log';
}

/**
 * A system path of a file mailsetup wrote, as the path to hand postmap/postalias (configDir-aware;
 * under --root checked by Effects.commandPath: never a link that leads out of the sandbox).
 */
export async function realPath(ctx: Pick<VerifyContext, 'fx' | 'configDir'>, path: string): Promise<string> {
  const dir = ctx.configDir;
  if (dir) {
    if (path.startsWith('/etc/postfix/')) return `${dir}/${path.slice('/etc/postfix/'.length)}`;
    if (path === '/etc/aliases') return `${dir}/aliases`;
  }
  return ctx.fx.commandPath(path);
}
