/**
 * What a role module is: its questions' keys, its defaults from the host, and the configuration
 * it derives from complete answers. The planner turns a RoleConfig into file edits; a role never
 * reads a file.
 */
import type { HostFacts } from '../model/host.js';
import type { AnswerKey, Answers, RoleInfo } from '../model/answers.js';

/** Answers with every key the planner needs filled in (defaults applied, validated). */
export interface Resolved extends Answers {
  myhostname: string;
  mydomain: string;
  myorigin: string;
  relayhost: string;
  mynetworks: string[];
  relay_domains: string[];
  transport: Record<string, string>;
  relay_recipients: string[];
  proxy_interfaces: string[];
  inet_interfaces: string;
  inet_protocols: string;
  notify_classes: string[];
  postmaster: string;
  chroot: boolean;
  logging: 'syslog' | 'file';
  overrides: string[];
}

/** A lookup table file that a role writes (postmap'd after each change). */
export interface MapSpec {
  path: string; // /etc/postfix/transport
  entries: Array<[string, string]>;
  secret?: boolean;
  description: string;
}

/** What a role wants of the files, as data. */
export interface RoleConfig {
  /** main.cf parameters the role sets (mailsetup owns them afterwards). */
  main: Record<string, string>;
  /** /etc/aliases entries. */
  aliases: Record<string, string>;
  maps: MapSpec[];
  /** master.cf services to comment out ("local/unix"). */
  disableServices: string[];
}

export interface PlanContext {
  host: HostFacts;
  /** Map type for every map mailsetup writes: hash, lmdb, cdb (postconf default_database_type). */
  dbType: string;
}

/**
 * The running configuration as --verify reads it (`postconf -xh`): parameter name → value, ''
 * when empty. Has at least myhostname, mydomain, myorigin, mydestination, mynetworks,
 * inet_interfaces, inet_protocols, proxy_interfaces, relayhost, relay_domains.
 */
export type LiveParams = Readonly<Record<string, string>>;

/** One address --verify sends to (a test message) or asks Postfix about (`sendmail -bv`). */
export interface VerifySample {
  /** The class of mail it stands for, as the report names it: "local (root)", "relay domain example.org". */
  cls: string;
  address: string;
  /** A next hop its delivery must name ("[h]:p", "relay:[h]", "h"), if any. */
  hop?: string;
  /** It must leave through a relay host, never be delivered here (a null client). */
  notLocal?: boolean;
}

/** What --verify checks for a role. */
export interface VerifySamples {
  /** The recipient of the test message to postmaster (its class is not shown). */
  postmaster: VerifySample;
  /** The role's own classes of mail for `sendmail -bv` (the foreign one is common to every role). */
  addresses: VerifySample[];
  /** Classes the role handles that cannot be checked here, with the reason. */
  skipped: Array<{ cls: string; why: string }>;
}

export interface RoleModule {
  info: RoleInfo;
  /** The keys the wizard asks for this role, in order. */
  keys: AnswerKey[];
  /** Keys that must have a non-empty value. */
  required: AnswerKey[];
  /** Role-specific defaults, given the common ones. */
  defaults(host: HostFacts, base: Resolved): Partial<Answers>;
  /** The role's own parameters; the common ones are added by the planner. */
  configure(a: Resolved, ctx: PlanContext): RoleConfig;
  /**
   * What --verify sends and asks about for this role, from the running configuration and the
   * answers recorded in the state file (pure).
   */
  verifySamples(params: LiveParams, answers: Answers): VerifySamples;
}
