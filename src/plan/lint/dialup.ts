import { cite, DOCS } from '../../roles/docs.js';
import type { LintRule } from '../../roles/role.js';

/** A dial-up host (STANDARD_CONFIGURATION_README): without DNS it needs a relay host; deferred mail needs a flush. */
export const dialup: LintRule = {
  id: 'dialup',
  level: 'warning',
  summary: 'no DNS lookups without a `relayhost`, or `defer_transports = smtp` (mail waits for `sendmail -q`)',
  check({ a, main }) {
    const out: string[] = [];
    if (a.smtp_dns_support_level === 'disabled' && main('relayhost') === '') {
      out.push(
        'smtp_dns_support_level = disabled without a relayhost: Postfix finds no MX records and sends mail for other ' +
          `domains to the address of the domain name itself: give a relayhost${cite(DOCS.dialupRelayhost)}`,
      );
    }
    if ((a.defer_transports ?? []).includes('smtp')) {
      out.push(
        'defer_transports = smtp: mail to other hosts waits in the queue until "sendmail -q" runs: put it in the ' +
          `script that brings the link up${cite(DOCS.dialupFlush)}`,
      );
    }
    return out;
  },
};
