import type { LintRule } from '../../roles/role.js';
import { roleModule } from '../../roles/index.js';

/**
 * STARTTLS required on port 25 (smtpd_tls_security_level = encrypt, e.g. kept from a hand setup):
 * senders without TLS are refused, which RFC 3207 forbids for a publicly referenced server.
 */
export const encryptOnPort25: LintRule = {
  id: 'encrypt-on-port-25',
  level: 'warning',
  summary: '`smtpd_tls_security_level = encrypt` on a role that receives mail on port 25',
  check({ a, main }) {
    if (!roleModule(a.role).receivesMail || main('smtpd_tls_security_level') !== 'encrypt') return [];
    return [
      'smtpd_tls_security_level = encrypt: senders without STARTTLS are refused on port 25, which RFC 3207 ' +
        'forbids for a public MX; may offers TLS without requiring it (override replace-tls-settings to take it)',
    ];
  },
};
