import type { LintRule } from '../../roles/role.js';
import { daneAvailable } from '../../roles/tls.js';

/**
 * DANE promised without a DNSSEC-validating resolver on this host: Postfix then never sees a
 * validated TLSA record, and dane protects nothing (it acts as may). Overridable: the resolver
 * may be installed next.
 */
export const daneWithoutResolver: LintRule = {
  id: 'dane-without-resolver',
  level: 'error',
  overridable: true,
  summary: '`smtp_tls_security_level = dane` without a DNSSEC-validating resolver on loopback',
  check({ host, main }) {
    if (main('smtp_tls_security_level') !== 'dane' || daneAvailable(host)) return [];
    const why = host.tls?.resolver.detail ?? 'no validating resolver was detected';
    return [
      `smtp_tls_security_level = dane, but ${why}: without DNSSEC validation DANE authenticates nothing ` +
        '(it acts as may); install a validating resolver (unbound) on 127.0.0.1 first',
    ];
  },
};
