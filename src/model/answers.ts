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
  /** The domains delivered here (mydestination): names, $names, /file/name, type:table. */
  mydestination?: string[];
  relayhost?: string; // "" = direct delivery
  /** Where mail goes when a destination (or the relayhost) is unreachable. */
  fallback_relay?: string[];
  mynetworks?: string[];
  /** host | subnet | class: let Postfix derive mynetworks (instead of a mynetworks list). */
  mynetworks_style?: string;
  relay_domains?: string[];
  transport?: Record<string, string>; // domain -> "relay:[host]"
  relay_recipients?: string[]; // user@domain or @domain
  proxy_interfaces?: string[];
  inet_interfaces?: string; // all | loopback-only | comma list
  inet_protocols?: string; // all | ipv4 | ipv6
  notify_classes?: string[];
  postmaster?: string; // where mail to postmaster and root goes
  /** More /etc/aliases entries: name -> address(es) (postmaster and root come from `postmaster`). */
  aliases?: Record<string, string>;
  /** More /etc/postfix/virtual entries (virtual_alias_maps): address -> address(es). */
  virtual?: Record<string, string>;
  /** /etc/postfix/generic entries (smtp_generic_maps): local address or @domain -> Internet address. */
  smtp_generic_maps?: Record<string, string>;
  /** The spam rules after the relay rules (smtpd_recipient_restrictions), one restriction per item. */
  smtpd_recipient_restrictions?: string[];
  /** Transports whose mail waits for `sendmail -q` (a dial-up host: smtp). */
  defer_transports?: string[];
  /** enabled | disabled | dnssec ('' = Postfix's default): disabled = no DNS lookups (dial-up LAN). */
  smtp_dns_support_level?: string;
  chroot?: boolean;
  logging?: 'syslog' | 'file';
  smtp_sasl?: SaslAnswers;
  /**
   * Outbound TLS (smtp_tls_security_level): may (opportunistic), dane (needs a DNSSEC-validating
   * resolver on this host) or encrypt. Absent: dane where the host has a validating resolver, else
   * may; encrypt with a smart-host login.
   */
  smtp_tls_security_level?: string;
  /** Inbound STARTTLS on port 25 (smtpd_tls_security_level): may, or none. Never encrypt on port 25. */
  smtpd_tls_security_level?: string;
  /** The server's private key and certificate chain, key first (smtpd_tls_chain_files). */
  smtpd_tls_chain_files?: string[];
  /** The server certificate (with its chain) and its key, the older form (smtpd_tls_cert_file/key_file). */
  smtpd_tls_cert_file?: string;
  smtpd_tls_key_file?: string;
  /** Install certbot's deploy hook that reloads Postfix after a renewal (Let's Encrypt certificates). */
  certbot_deploy_hook?: boolean;
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
