/**
 * What mailsetup knows of the host it configures: names, addresses, the installed Postfix and
 * the services around it. Read once per run by src/system/hostFacts.ts; everything else gets it
 * as a plain value.
 */
import type { HostTlsFacts } from './tls.js';

export interface HostAddress {
  iface: string;
  family: 4 | 6;
  address: string;
  prefix: number;
  /** The interface's subnet in Postfix's mynetworks form: 192.168.1.0/24, [2001:db8::]/64. */
  network: string;
  scope: 'loopback' | 'link-local' | 'private' | 'public';
}

/**
 * A parameter the installed Postfix says it will stop supporting: since 3.9 every postconf call
 * warns `support for parameter "NAME" will be removed; instead, ADVICE`. Read from those warnings,
 * so the list is always the installed release's own (empty on 3.7).
 */
export interface DeprecatedParameter {
  name: string;
  /** Where it is set: main.cf, or master.cf (a service's -o option). */
  file: 'main.cf' | 'master.cf';
  /** Postfix's words after "instead, ": `specify "smtpd_tls_security_level"`, `do not specify (leave at default)`. */
  advice: string;
}

/** A directory of a --root check's private queue (PostfixFacts.scratchQueue). */
export interface ScratchQueueDirectory {
  /** Relative to the private copy: `queue`, `queue/active`, `data`, … */
  path: string;
  uid: number;
  /** Undefined: postfix-files names no group (the directory keeps the one mkdir gave it). */
  gid?: number | undefined;
  mode: number;
}

export interface PostfixFacts {
  installed: boolean;
  version?: string; // mail_version, e.g. "3.7.11"
  defaultDatabaseType: string; // hash, lmdb, cdb
  running: boolean;
  /** The port the smtp/inet service listens on (25 unless master.cf says otherwise). */
  smtpPort?: number;
  /**
   * The installed package recommends running without chroot: its postfix-script has Debian's
   * `postfix chroot on|off` command, which came (3.9.1-8, Debian 13) with README.Debian's "It is
   * strongly recommended that you turn off chroot feature".
   */
  recommendsChrootOff?: boolean;
  /** The deprecated parameters the configuration sets, as the installed postconf reports them. */
  deprecated?: DeprecatedParameter[];
  /**
   * The installed package's directories (`postconf -d`: daemon_directory, command_directory,
   * shlib_directory, meta_directory, queue_directory, data_directory) and import_environment:
   * what a --root sandbox's main.cf must not change.
   */
  directories?: Record<string, string>;
  /**
   * Under --root: the directories `postfix check` (post-install create-missing) would make in the
   * private copy's empty queue and data directories (`queue`, `queue/active`, …, `data`), from the
   * package's postfix-files with its default mail_owner and setgid_group resolved on the host.
   * The copy is made with them, so that the check finds them and creates none. Absent when they
   * could not all be resolved (the check then creates them, as it always may).
   */
  scratchQueue?: ScratchQueueDirectory[];
  /**
   * Live only, from the configuration (`postconf -h`): where master(8) is (daemon_directory) and
   * its queue (queue_directory, whose pid/master.pid names the running master).
   */
  daemonDirectory?: string;
  queueDirectory?: string;
}

export interface HostFacts {
  fqdn: string; // hostname --fqdn, or the best the system knows
  hostname: string; // short name
  addresses: HostAddress[];
  postfix: PostfixFacts;
  systemd: boolean; // PID 1 is systemd
  rsyslog: boolean; // rsyslogd is installed
  /** logrotate is installed (/usr/sbin/logrotate); undefined when not probed. */
  logrotate?: boolean;
  distro: { id: string; versionId: string; debianLike: boolean };
  ipv6DefaultRoute: boolean;
  /**
   * What the host offers for TLS: certificates, the CA store, a validating resolver (read with
   * the other facts; absent in hand-made facts, then read as none of these).
   */
  tls?: HostTlsFacts;
}

/**
 * Whether this host can send and receive mail over IPv6: a default route and a global address.
 * Without both (no route, or only link-local/ULA addresses) other servers' IPv6 addresses are
 * unreachable from here, so Postfix should use inet_protocols = ipv4. The default of the question,
 * the header's advice and the probes all follow this one judgement.
 */
export function ipv6Usable(host: HostFacts): boolean {
  return host.ipv6DefaultRoute && host.addresses.some((a) => a.family === 6 && a.scope === 'public');
}

/** No public IPv4 address on any interface: other servers reach this host through NAT or a proxy. */
export function behindNat(host: HostFacts): boolean {
  return !host.addresses.some((a) => a.family === 4 && a.scope === 'public');
}

/** The host's public addresses (IPv4 first), as other servers see them when there is no NAT. */
export function publicAddresses(host: HostFacts): HostAddress[] {
  const pub = host.addresses.filter((a) => a.scope === 'public');
  return [...pub.filter((a) => a.family === 4), ...pub.filter((a) => a.family === 6)];
}
