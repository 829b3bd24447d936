// A large, realistic main.cf for the editor benchmark: comment blocks like main.cf.dist's, real
// parameter names, values with continuation lines, a few names defined twice, blank lines.
// Deterministic (the fixed-seed PRNG the test generators share), so every run edits the same bytes.
import { mulberry32 } from '../test/helpers/mulberry32.mjs';

const NAMES = [
  'queue_directory',
  'command_directory',
  'daemon_directory',
  'data_directory',
  'mail_owner',
  'myhostname',
  'mydomain',
  'myorigin',
  'inet_interfaces',
  'inet_protocols',
  'proxy_interfaces',
  'mydestination',
  'local_recipient_maps',
  'unknown_local_recipient_reject_code',
  'mynetworks_style',
  'mynetworks',
  'relay_domains',
  'relayhost',
  'relay_recipient_maps',
  'in_flow_delay',
  'alias_maps',
  'alias_database',
  'recipient_delimiter',
  'home_mailbox',
  'mail_spool_directory',
  'mailbox_command',
  'mailbox_transport',
  'fallback_transport',
  'luser_relay',
  'header_checks',
  'fast_flush_domains',
  'smtpd_banner',
  'local_destination_concurrency_limit',
  'default_destination_concurrency_limit',
  'debug_peer_level',
  'debug_peer_list',
  'debugger_command',
  'sendmail_path',
  'newaliases_path',
  'mailq_path',
  'setgid_group',
  'html_directory',
  'manpage_directory',
  'sample_directory',
  'readme_directory',
  'smtpd_tls_cert_file',
  'smtpd_tls_key_file',
  'smtpd_tls_security_level',
  'smtp_tls_CApath',
  'smtp_tls_security_level',
  'smtp_tls_session_cache_database',
  'smtpd_relay_restrictions',
  'smtpd_recipient_restrictions',
  'smtpd_client_restrictions',
  'smtpd_helo_restrictions',
  'smtpd_sender_restrictions',
  'transport_maps',
  'virtual_alias_maps',
  'virtual_alias_domains',
  'canonical_maps',
  'sender_canonical_maps',
  'recipient_canonical_maps',
  'smtp_generic_maps',
  'mailbox_size_limit',
  'message_size_limit',
  'biff',
  'append_dot_mydomain',
  'compatibility_level',
  'notify_classes',
  'delay_warning_time',
  'maximal_queue_lifetime',
  'bounce_queue_lifetime',
  'smtp_sasl_auth_enable',
  'smtp_sasl_password_maps',
  'smtp_sasl_security_options',
  'smtp_sasl_tls_security_options',
  'smtpd_sasl_auth_enable',
  'parent_domain_matches_subdomains',
  'disable_vrfy_command',
  'smtpd_helo_required',
  'strict_rfc821_envelopes',
];

const WORDS = [
  'the',
  'Postfix',
  'mail',
  'system',
  'parameter',
  'specifies',
  'default',
  'is',
  'to',
  'of',
  'a',
  'for',
  'when',
  'delivery',
  'local',
  'domain',
  'host',
  'address',
  'client',
  'lookup',
  'table',
  'see',
  'also',
  'NOTE:',
  'This',
  'setting',
  'controls',
  'and',
  'with',
  'only',
  'in',
  'on',
  'an',
  'example',
];

const VALUES = [
  'permit_mynetworks,',
  'permit_sasl_authenticated,',
  'reject_unauth_destination,',
  'reject_unknown_sender_domain,',
  'check_client_access hash:/etc/postfix/client_access,',
  'reject_rbl_client zen.spamhaus.org,',
  'hash:/etc/postfix/transport,',
  'regexp:/etc/postfix/header_checks',
  '$myhostname,',
  'localhost.$mydomain,',
  '127.0.0.0/8',
  '[::1]/128',
  '10.0.0.0/8',
  '192.168.0.0/16',
  'yes',
  'no',
  '${data_directory}/smtp_scache',
];

/**
 * main.cf text of exactly `lines` physical lines (LF-terminated). Returns the text and the names
 * it defines, in order of first definition.
 */
export function generateMainCf(lines = 5000, seed = 25) {
  const r = mulberry32(seed);
  const int = (n) => Math.floor(r() * n);
  const pick = (list) => list[int(list.length)];
  const out = ['# See /usr/share/postfix/main.cf.dist for a commented, more complete version', ''];
  const defined = [];
  let serial = 0;
  while (out.length < lines) {
    // A comment block, as in main.cf.dist.
    const name = r() < 0.5 ? pick(NAMES) : `${pick(NAMES)}_${serial++}`;
    out.push(`# The ${name} parameter`);
    for (let k = 2 + int(6); k > 0; k--) {
      const words = Array.from({ length: 6 + int(8) }, () => pick(WORDS));
      out.push(`# ${words.join(' ')}`);
    }
    out.push('#');
    out.push(`#${name} = ${pick(VALUES).replace(/,$/, '')}`);
    out.push('');
    // The definition, with 0–4 continuation lines.
    const cont = r() < 0.4 ? 1 + int(4) : 0;
    out.push(`${name} = ${pick(VALUES)}`);
    for (let k = 0; k < cont; k++) out.push(`${r() < 0.5 ? '    ' : '\t'}${pick(VALUES)}`);
    if (!defined.includes(name)) defined.push(name);
    if (r() < 0.5) out.push('');
  }
  out.length = lines;
  // The last kept line may be a cut-off continuation or comment; both are valid main.cf.
  return { text: `${out.join('\n')}\n`, names: defined };
}

/**
 * The 20 edits of the benchmark: 16 parameters the file already defines (several with
 * continuation lines, some defined twice) and 4 new ones (appended). As `name=value` strings, the
 * form `postconf -e` takes.
 */
export function twentyEdits(names) {
  const existing = [];
  // Spread over the whole file: first, middle, last definitions included.
  for (let k = 0; k < 16; k++) existing.push(names[Math.floor((k * (names.length - 1)) / 15)]);
  const unique = [...new Set(existing)];
  for (let k = 0; unique.length < 16; k++) if (!unique.includes(names[k])) unique.push(names[k]);
  const edits = unique.map((n, i) => [
    n,
    i % 3 === 0 ? `permit_mynetworks, reject_unauth_destination, value_${i}` : `edited_${i}`,
  ]);
  edits.push(
    ['bench_new_zeta', 'z'],
    ['bench_new_alpha', '$myhostname'],
    ['bench_new_mid', 'hash:/etc/postfix/bench'],
    ['bench_new_beta', 'yes'],
  );
  return edits;
}
