import type { LintRule } from '../../roles/role.js';

const LOOPBACK = /^(127\.|\[?::1\]?$|localhost$)/i;

/**
 * inet_interfaces = loopback-only, yet a master.cf smtpd service names its own address
 * (`0.0.0.0:smtp inet … smtpd`): that port listens on the network anyway.
 */
export const serviceListens: LintRule = {
  id: 'service-listens-outside',
  level: 'error',
  overridable: true,
  summary: '`inet_interfaces = loopback-only`, but a master.cf smtpd service listens on another address',
  check({ main, services }) {
    if (main('inet_interfaces') !== 'loopback-only') return [];
    const out: string[] = [];
    for (const s of services ?? []) {
      if (s.host === undefined || s.host === '' || LOOPBACK.test(s.host)) continue;
      out.push(
        `master.cf service ${s.key} listens on ${s.host} although inet_interfaces = loopback-only: ` +
          'it accepts connections from the network',
      );
    }
    return out;
  },
};
