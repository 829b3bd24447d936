/**
 * What a role module is. A role owns everything about itself: the questions it asks (and how it
 * words them), its defaults from host facts, role-specific checks of answers, the configuration
 * it derives from complete answers, how it is recognised in an existing main.cf, its own lint
 * rules and what --verify samples for it. The planner turns a RoleConfig into file edits; a role
 * never reads a file. Adding a role means adding a module here and listing it in index.ts.
 */
import type { AnswerKey, AnswerValue, Answers, RoleInfo } from '../model/answers.js';
import type { HostFacts } from '../model/host.js';
import type { PlanFacts } from '../model/plan.js';

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
  /** Always set: each role has its default (empty for the roles that deliver nothing locally). */
  mydestination: string[];
}

/** What an answer is checked among: the other answers (defaults filled in) and the host. */
export interface AnswerContext {
  answers: Resolved;
  host: HostFacts;
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

/** What a lint rule sees: the complete answers, the host, and main.cf as the plan leaves it. */
export interface LintContext {
  a: Resolved;
  host: HostFacts;
  /** The effective value of a parameter after the plan, $names expanded ('' when empty). */
  main(name: string): string;
  /** Whether main.cf sets the parameter explicitly after the plan. */
  isSet(name: string): boolean;
  /**
   * The raw value main.cf had before the plan, unless it was mailsetup's own (undefined: not set,
   * no main.cf, or the value mailsetup wrote). Absent where not known.
   */
  before?(name: string): string | undefined;
  /**
   * The smtpd services of master.cf as the plan leaves it, each with its effective settings
   * (main.cf overridden by its -o options): the rules marked perService run on each of them.
   */
  services?: readonly LintService[];
  /** The service names master.cf defines after the plan (the transports mail can be given to). */
  transports?: ReadonlySet<string>;
  /** The raw value main.cf gives a parameter after the plan ($names kept), undefined when unset. */
  raw(name: string): string | undefined;
  /** Expand a value with main.cf after the plan (and Postfix's defaults); throws on a bad expression. */
  expand(value: string): string;
  /** What the machine said of the files, users and names the answers refer to. */
  facts: PlanFacts;
  /** /etc/aliases after the plan. */
  aliases: { get(name: string): string | undefined };
}

/** One smtpd service of master.cf. */
export interface LintService {
  /** "smtp/inet", "submission/inet", "127.0.0.1:10025/inet". */
  key: string;
  /** The listen address of an inet service ("0.0.0.0" of "0.0.0.0:smtp"), else undefined. */
  host?: string;
  /** The -o options, name → value as written. */
  options: Readonly<Record<string, string>>;
  /** The effective value of a parameter for this service, $names expanded. */
  main(name: string): string;
  /** Whether main.cf or an -o option sets the parameter. */
  isSet(name: string): boolean;
}

/** One safety rule of the linter (src/plan/lint/): a named finding with its reason. */
export interface LintRule {
  id: string;
  level: 'error' | 'warning';
  /** An error the answers may override knowingly: its override id is the rule's id. */
  overridable?: boolean;
  /** The rule in one line, as the README's table of rules gives it. */
  summary: string;
  /**
   * Also run on each master.cf smtpd service whose -o options change a setting: what it finds
   * there is reported for that service (an open relay set in master.cf alone).
   */
  perService?: boolean;
  /** The findings' messages (none when the configuration passes). */
  check(ctx: LintContext): string[];
}

/** How detect() sees an existing main.cf when there is no state file. */
export interface ConfigView {
  /** The raw value of a parameter, or undefined when main.cf does not set it. */
  get(name: string): string | undefined;
  /** A list parameter's items (whitespace or comma separated); [] when unset. */
  list(name: string): string[];
  /** relay_domains without $names ($mydomain read as the domain's name), lower-cased. */
  relayDomains: string[];
  /** mydestination's items, lower-cased. */
  destinations: string[];
  /** mydomain, or the domain part of myhostname, lower-cased ('' when neither is set). */
  domain: string;
}

/** A role's wording of a question, where it differs from the common one (src/roles/questions.ts). */
export interface Wording {
  /** The question in plain words. */
  label?: string;
  /** One line on what the answer does for this role. */
  explain?: string;
  /** Paragraphs of help that only this role needs, shown before the common ones. */
  help?: string[];
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
  /**
   * The keys the wizard asks by default (besides the required ones, and any whose default does
   * not fit this host): what the role needs from the user. The rest keep their defaults unless
   * the user opens the "review all settings" screen.
   */
  basic: AnswerKey[];
  /**
   * Answers the role applies although the wizard does not ask for them (an answers file may give
   * them). Any other key outside `keys` is not used by the role: an answers file that gives one
   * is refused (src/roles/usage.ts).
   */
  alsoApplies?: readonly AnswerKey[];
  /**
   * Why this role does not take a key it does not use, in the documents' words, where they give a
   * reason (a null client and mynetworks_style); other keys get the general "does not use it".
   */
  declines?: Partial<Record<AnswerKey, string>>;
  /** This role's wording of a question, where it differs from the common one. */
  wording?: Partial<Record<AnswerKey, Wording>>;
  /** Role-specific defaults, given the common ones. */
  defaults(host: HostFacts, base: Resolved): Partial<Answers>;
  /** A check of one answer that only this role makes, run before the common check: the message, or null. */
  checkAnswer?(key: AnswerKey, value: AnswerValue, ctx?: AnswerContext): string | null;
  /** The role's own parameters; the common ones are added by the planner. */
  configure(a: Resolved, ctx: PlanContext): RoleConfig;
  /**
   * Whether an existing main.cf (no state file) is this role. Roles are tried in the registry's
   * recognition order (index.ts), most specific first.
   */
  recognize(view: ConfigView): boolean;
  /** Whether the role accepts mail from the network (a null client does not). */
  receivesMail: boolean;
  /**
   * What this host is in DNS for the role: the MX of its own domain (`primary`: mydomain's MX
   * records should name it), a backup MX of the relayed domains (`backup`: relay_domains' MX
   * records should list it), or neither (null). The MX warnings and the NAT advice follow it.
   */
  mx: 'primary' | 'backup' | null;
  /** This role's own lint rules (the common ones are in src/plan/lint/). */
  rules: readonly LintRule[];
  /**
   * What --verify sends and asks about for this role, from the running configuration and the
   * answers recorded in the state file (pure).
   */
  verifySamples(params: LiveParams, answers: Answers): VerifySamples;
}
