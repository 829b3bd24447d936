import type { LintRule } from '../../roles/role.js';

/**
 * Mandatory TLS to every destination: mail to receivers that offer no STARTTLS waits in the
 * queue until it bounces. Fine for a smart host; not for delivery to the Internet's MX hosts.
 */
export const encryptWithoutRelayhost: LintRule = {
  id: 'encrypt-without-relayhost',
  level: 'warning',
  summary: '`smtp_tls_security_level = encrypt` for direct delivery (no relay host)',
  check({ main }) {
    if (main('smtp_tls_security_level') !== 'encrypt' || main('relayhost') !== '') return [];
    return [
      'smtp_tls_security_level = encrypt without a relay host: mail to receivers without STARTTLS waits in the ' +
        'queue and bounces; may (opportunistic) is the setting for delivery to the Internet',
    ];
  },
};
