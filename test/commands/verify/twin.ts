/**
 * A Postfix twin for the --verify unit tests, on the in-memory Effects: postconf, postfix
 * status/check, sendmail -bv, postmap -q and postalias -q answer as a running Postfix would,
 * and what Postfix would log lands in the mail log (a memory file that grows). The smtp
 * service is a scripted SMTP peer (smtpPeer). Nothing touches the machine.
 */
import type { Answers } from '../../../src/model/answers.js';
import type { CommandResult, ListenSocket } from '../../../src/model/effects.js';
import type { HostAddress, HostFacts } from '../../../src/model/host.js';
import { PARAMS, type VerifyContext } from '../../../src/commands/verify/context.js';
import { LogTail } from '../../../src/commands/verify/log.js';
import { emptyState, serializeState, type State } from '../../../src/plan/state.js';
import {
  createMemoryEffects,
  okResult,
  type MemoryEffects,
  type MemoryEffectsInit,
  type MemoryPeer,
} from '../../../src/system/memoryEffects.js';

export const LOG = '/var/log/mail.log';
export const CFG = '/etc/postfix';

/** Host facts with these interface addresses (and nothing else of interest). */
export function hostWith(addresses: Array<[string, number]> = [['127.0.0.1', 8]]): HostFacts {
  const list: HostAddress[] = addresses.map(([address, prefix]) => {
    const family = address.includes(':') ? 6 : 4;
    return {
      iface: address.startsWith('127.') || address === '::1' ? 'lo' : 'eth0',
      family,
      address,
      prefix,
      network: family === 4 ? `${address}/${prefix}` : `[${address}]/${prefix}`,
      scope: address.startsWith('127.') || address === '::1' ? 'loopback' : 'private',
    };
  });
  return {
    fqdn: 'mx.example.com',
    hostname: 'mx',
    addresses: list,
    postfix: { installed: true, version: '3.7.11', defaultDatabaseType: 'hash', running: true, smtpPort: 25 },
    systemd: false,
    rsyslog: true,
    distro: { id: 'debian', versionId: '12', debianLike: true },
    ipv6DefaultRoute: false,
  };
}

/** A null client's parameters as postconf -xh gives them. */
export const NULL_CLIENT_PARAMS: Readonly<Record<string, string>> = {
  myhostname: 'mx.example.com',
  mydomain: 'example.com',
  myorigin: 'example.com',
  mydestination: '',
  mynetworks: '127.0.0.1/32 [::1]/128',
  inet_interfaces: 'loopback-only',
  inet_protocols: 'ipv4',
  proxy_interfaces: '',
  relayhost: '[relay.example.net]:587',
  relay_domains: '',
  maillog_file: '',
  default_database_type: 'hash',
  smtp_tls_security_level: 'may',
  smtp_tls_CAfile: '/etc/ssl/certs/ca-certificates.crt',
};

/** master.cf of the twin: the smtp service and the tlsmgr service. */
export const TWIN_MASTER =
  'smtp      inet  n       -       y       -       -       smtpd\n' +
  'tlsmgr    unix  -       -       y       1000?   1       tlsmgr\n';

/** A state file's content for these answers, with the map keys and aliases mailsetup wrote. */
export function stateWith(
  answers: Answers,
  maps: Record<string, Record<string, string>> = {},
  aliases: Record<string, string> = {},
): State {
  const s = emptyState(answers);
  for (const [path, keys] of Object.entries(maps)) s.maps[path] = { created: true, keys };
  s.aliases.owned = aliases;
  return s;
}

export const NULL_CLIENT_STATE = stateWith(
  { role: 'null-client', relayhost: '[relay.example.net]:587', postmaster: 'admin@example.org' },
  { '/etc/postfix/virtual': { postmaster: 'admin@example.org', root: 'admin@example.org' } },
  { postmaster: 'admin@example.org', root: 'admin@example.org' },
);

/** How the twin routes one address asked with sendmail -bv: the delivery line's fields. */
export interface Route {
  to?: string;
  relay: string;
  status: 'deliverable' | 'undeliverable';
  text: string;
}

export interface TwinOptions {
  params?: Record<string, string>;
  /** The state file (null: none). Default: the null client's. */
  state?: State | null;
  /** postconf fails with this stderr. */
  postconfFails?: string;
  running?: boolean;
  /** postfix check's exit code and output (default 0, nothing). */
  check?: { exitCode: number; output: string };
  /** sendmail -bv: address → route; an address not listed gets no result line. */
  routes?: Record<string, Route>;
  /** sendmail -bv: addresses whose request cleanup refuses (a map lookup failed). */
  refused?: string[];
  /** postmap/postalias -q: "type:file" → key → value (absent key: exit 1). Default: the state's. */
  tables?: Record<string, Record<string, string>>;
  /** The LISTEN sockets (default 127.0.0.1:25). */
  sockets?: ListenSocket[];
  /** The peers (default none). */
  peers?: Record<string, MemoryPeer>;
  master?: string | null;
  extra?: MemoryEffectsInit;
}

function result(cmd: string, args: string[], exitCode: number, stdout = '', stderr = ''): CommandResult {
  return { ...okResult(cmd, args), exitCode, stdout, stderr };
}

/** A log line as Postfix writes it. */
export function logLine(daemon: string, text: string): string {
  return `Nov 26 08:11:34 mx postfix/${daemon}[4242]: ${text}\n`;
}

/** The twin: a memory Effects answering as a running Postfix configured by mailsetup. */
export function postfixTwin(o: TwinOptions = {}): MemoryEffects {
  const params = { ...NULL_CLIENT_PARAMS, ...(o.params ?? {}) };
  const state = o.state === undefined ? NULL_CLIENT_STATE : o.state;
  const tables =
    o.tables ??
    Object.fromEntries([
      ...Object.entries(state?.maps ?? {}).map(([p, m]) => [`hash:${p}`, m.keys] as const),
      ['hash:/etc/aliases', state?.aliases.owned ?? {}] as const,
    ]);
  let queue = 0;
  const files: Record<string, string> = { [LOG]: '', '/etc/ssl/certs/ca-certificates.crt': '' };
  if (state) files['/etc/postfix/mailsetup.yaml'] = serializeState(state);
  const master = o.master === undefined ? TWIN_MASTER : o.master;
  if (master !== null) files['/etc/postfix/master.cf'] = master;
  const fx: MemoryEffects = createMemoryEffects({
    files,
    sockets: o.sockets ?? [{ address: '127.0.0.1', port: 25, family: 4, loopback: true, wildcard: false }],
    peers: o.peers ?? {},
    ...o.extra,
    run(cmd, args) {
      if (cmd === 'postconf') {
        if (o.postconfFails) return result(cmd, args, 1, '', o.postconfFails);
        const names = args.slice(args.indexOf('-xh') + 1);
        return result(cmd, args, 0, names.map((n) => params[n] ?? '').join('\n') + '\n');
      }
      if (cmd === 'postfix' && args.at(-1) === 'status')
        return o.running === false
          ? result(cmd, args, 1, '', 'postfix/postfix-script: the Postfix mail system is not running')
          : result(cmd, args, 0, '', 'postfix/postfix-script: the Postfix mail system is running: PID: 4242');
      if (cmd === 'postfix' && args.at(-1) === 'check')
        return result(cmd, args, o.check?.exitCode ?? 0, '', o.check?.output ?? '');
      if (cmd === 'sendmail') {
        const address = args.at(-1) as string;
        const qid = `BV${++queue}`;
        if (o.refused?.includes(address)) {
          const full = address.includes('@') ? address : `${address}@example.com`;
          fx.append(
            LOG,
            logLine(
              'cleanup',
              `warning: ${qid}: virtual_alias_maps map lookup problem for ${full} -- message not accepted, try again later`,
            ),
          );
          return result(cmd, args, 0);
        }
        const r = o.routes?.[address];
        if (r) {
          const to = r.to ?? address;
          const orig = to === address ? '' : `orig_to=<${address}>, `;
          fx.append(
            LOG,
            logLine(
              'smtp',
              `${qid}: to=<${to}>, ${orig}relay=${r.relay}, delay=0, dsn=2.1.5, status=${r.status} (${r.text})`,
            ),
          );
        }
        return result(cmd, args, 0);
      }
      if (cmd === 'postmap' || cmd === 'postalias') {
        const [key, table] = args.slice(-2);
        const value = tables[table]?.[key];
        return value === undefined ? result(cmd, args, 1) : result(cmd, args, 0, `${value}\n`);
      }
      return okResult(cmd, args);
    },
  });
  return fx;
}

/** The context the checks get, over a twin. */
export async function contextOf(fx: MemoryEffects, over: Partial<VerifyContext> = {}): Promise<VerifyContext> {
  const r = await fx.run('postconf', ['-c', CFG, '-xh', ...PARAMS]);
  const values = r.stdout.split('\n');
  const params = Object.fromEntries(PARAMS.map((p, i) => [p, values[i] ?? '']));
  return {
    fx,
    host: hostWith(),
    cfg: CFG,
    waitMs: 400,
    params,
    log: await LogTail.open(fx, LOG),
    ...over,
  };
}
