/**
 * The answers schema (public: the answers file, the wizard and the state file share it). Keys are
 * Postfix parameter names wherever one exists.
 */

/**
 * A role's id ("null-client"), as the answers file names it. The roles themselves are the
 * registry in src/roles/index.ts: an id is checked against it wherever one is read.
 */
export type RoleId = string;

export interface SaslAnswers {
  username: string;
  /** The password itself (never written anywhere but the 0600 map); or use password_file. */
  password?: string;
  /** A file holding the password (first line), for scripts. */
  password_file?: string;
}

/** One run's answers. Only `role` is required; everything else has a derived default. */
export interface Answers {
  role: RoleId;
  myhostname?: string;
  mydomain?: string;
  myorigin?: string;
  relayhost?: string; // "" = direct delivery
  mynetworks?: string[];
  relay_domains?: string[];
  transport?: Record<string, string>; // domain -> "relay:[host]"
  relay_recipients?: string[]; // user@domain or @domain
  proxy_interfaces?: string[];
  inet_interfaces?: string; // all | loopback-only | comma list
  inet_protocols?: string; // all | ipv4 | ipv6
  notify_classes?: string[];
  postmaster?: string; // where mail to postmaster and root goes
  chroot?: boolean;
  logging?: 'syslog' | 'file';
  smtp_sasl?: SaslAnswers;
  /** Linter rules the user overrode knowingly (ids from Finding.override). */
  overrides?: string[];
}

export type AnswerKey = Exclude<keyof Answers, 'role'>;
export type AnswerValue = Answers[AnswerKey];

/** A question the wizard asks for a role. */
export interface Question {
  key: AnswerKey;
  /** The question in plain words, as a new admin would ask it: "This host's full name". */
  label: string;
  /** The Postfix name it sets, shown second: "myhostname", "/etc/aliases: postmaster, root". */
  param: string;
  /** One line on what the answer does, in plain words. */
  explain: string;
  /**
   * Where the default comes from ("the domain part of mx.example.com (the host name you gave)"),
   * computed from the same answers as the default itself, so that both stay true together.
   */
  origin: string;
  /**
   * The longer help (`?` or F1), as paragraphs: what it does, when to change it, the advice of
   * Postfix's BASIC_CONFIGURATION_README, and where postconf(5) describes it.
   */
  help: string[];
  kind: 'text' | 'list' | 'boolean' | 'choice' | 'map' | 'secret';
  choices?: Array<{ value: string; label: string }>;
  /** The value offered (current value on a re-run, else derived from the host and the earlier answers). */
  default: AnswerValue;
  /** Whether an empty answer is allowed. */
  optional: boolean;
  /**
   * Not asked by default: the role does not need it from the user and its default fits. The
   * wizard shows it on its "review all settings" screen.
   */
  advanced: boolean;
  /** null when valid, else the exact message to show beside the field. */
  validate(value: AnswerValue): string | null;
}

/** What a role module offers the wizard. */
export interface RoleInfo {
  id: RoleId;
  title: string; // "Null client"
  summary: string; // one line
}
