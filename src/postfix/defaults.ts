import { expand, type ParameterSource } from './expand.js';

/**
 * Postfix's built-in defaults (`postconf -d` on Postfix 3.7) for the parameters mailsetup reads
 * or writes. Values are RAW, exactly as `postconf -d NAME` prints them, so `$name` references and
 * `${{$compatibility_level} <level {2} ? ...}` expressions are kept; expand them with
 * `expandParam` (src/postfix/expand.ts), which also applies the main.cf values.
 *
 * Note `compatibility_level` defaults to "0" (Debian's main.cf sets 3.6 on fresh installs), so
 * e.g. `mynetworks_style` expands to "subnet" without it and to "host" with level >= 2.
 * `mynetworks` is not here: its default depends on the host's interfaces.
 */

/** Host facts the host-dependent defaults are derived from. */
export interface DefaultsHost {
  /** The host name as gethostname() returns it (`os.hostname()`), FQDN or not. */
  fqdn: string;
}

/**
 * Postfix's `myhostname` default for a host name: the name itself when it contains a dot,
 * else the name + ".localdomain" (`mail_params.c:check_myhostname`).
 */
export function defaultMyhostname(fqdn: string): string {
  return fqdn.includes('.') ? fqdn : `${fqdn}.localdomain`;
}

/** Postfix's `mydomain` default: `myhostname` minus its first label ("localdomain" without a dot). */
export function defaultMydomain(myhostname: string): string {
  const dot = myhostname.indexOf('.');
  return dot < 0 ? 'localdomain' : myhostname.slice(dot + 1);
}

/**
 * The raw Postfix 3.7 defaults of the parameters mailsetup touches, for the given host: exactly
 * `postconf -d`. With `cf`, `myhostname` and `mydomain` follow main.cf the way Postfix derives
 * them at run time (`postconf -x` agrees): a host name without a dot gets "." + main.cf's
 * `$mydomain` appended (if main.cf sets it), and `mydomain` defaults to main.cf's expanded
 * `myhostname` minus its first label (if main.cf sets it).
 */
export function postfixDefaults(host: DefaultsHost, cf?: ParameterSource): Record<string, string> {
  let myhostname = defaultMyhostname(host.fqdn);
  let mydomain = defaultMydomain(myhostname);
  if (cf) {
    if (!host.fqdn.includes('.') && cf.get('mydomain') !== undefined) myhostname = `${host.fqdn}.$mydomain`;
    const configured = cf.get('myhostname');
    if (configured !== undefined && cf.get('mydomain') === undefined) {
      // Postfix computes this default while mydomain is still unset: a $mydomain inside
      // myhostname expands to nothing here (myhostname = mail.$mydomain gives mydomain = "").
      const lookup = (n: string): string | undefined => (n === 'mydomain' ? undefined : cf.get(n));
      mydomain = defaultMydomain(expand(configured, lookup, { self: 'myhostname' }));
    }
  }
  return {
    myhostname,
    mydomain,
    myorigin: '$myhostname',
    mydestination: '$myhostname, localhost.$mydomain, localhost',
    mynetworks_style: '${{$compatibility_level} <level {2} ? {subnet} : {host}}',
    relay_domains: '${{$compatibility_level} <level {2} ? {$mydestination} : {}}',
    relayhost: '',
    inet_interfaces: 'all',
    inet_protocols: 'all',
    proxy_interfaces: '',
    notify_classes: 'resource, software',
    alias_maps: 'hash:/etc/aliases, nis:mail.aliases',
    alias_database: 'hash:/etc/aliases',
    transport_maps: '',
    relay_recipient_maps: '',
    local_recipient_maps: 'proxy:unix:passwd.byname $alias_maps',
    local_transport: 'local:$myhostname',
    virtual_alias_maps: '$virtual_maps',
    virtual_maps: '',
    smtpd_relay_restrictions:
      '${{$compatibility_level} <level {1} ? {} : {permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination}}',
    smtpd_recipient_restrictions: '',
    parent_domain_matches_subdomains:
      'debug_peer_list,fast_flush_domains,mynetworks,permit_mx_backup_networks,qmqpd_authorized_clients,relay_domains,smtpd_access_maps',
    default_database_type: 'hash',
    mail_name: 'Postfix',
    maillog_file: '',
    config_directory: '/etc/postfix',
    compatibility_level: '0',
    smtp_sasl_auth_cache_name: '',
    smtp_sasl_auth_cache_time: '90d',
    smtp_sasl_auth_enable: 'no',
    smtp_sasl_auth_soft_bounce: 'yes',
    smtp_sasl_mechanism_filter: '',
    smtp_sasl_password_maps: '',
    smtp_sasl_path: '',
    smtp_sasl_security_options: 'noplaintext, noanonymous',
    smtp_sasl_tls_security_options: '$smtp_sasl_security_options',
    smtp_sasl_tls_verified_security_options: '$smtp_sasl_tls_security_options',
    smtp_sasl_type: 'cyrus',
    smtp_tls_security_level: '',
    smtp_tls_wrappermode: 'no',
    data_directory: '/var/lib/postfix',
    smtp_use_tls: 'no',
    smtp_dns_support_level: '',
    smtp_tls_CAfile: '',
    smtp_tls_CApath: '',
    smtp_tls_session_cache_database: '',
    smtp_tls_loglevel: '0',
    smtp_tls_protocols: '>=TLSv1',
    smtp_tls_mandatory_protocols: '>=TLSv1',
    smtpd_use_tls: 'no',
    smtpd_tls_security_level: '',
    smtpd_tls_chain_files: '',
    smtpd_tls_cert_file: '',
    smtpd_tls_key_file: '$smtpd_tls_cert_file',
    smtpd_tls_loglevel: '0',
    smtpd_tls_protocols: '>=TLSv1',
    smtpd_tls_mandatory_protocols: '>=TLSv1',
  };
}
