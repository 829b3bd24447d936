import type { LintRule } from '../../roles/role.js';

const STOPS_STRANGERS = /\b(reject|defer)_unauth_destination\b/;

/** The relay restrictions must stop strangers. */
export const relayRestrictions: LintRule = {
  id: 'relay-restrictions',
  level: 'error',
  summary: 'neither relay nor recipient restrictions contain `reject_unauth_destination`/`defer_unauth_destination`',
  check({ main }) {
    if (
      STOPS_STRANGERS.test(main('smtpd_relay_restrictions')) ||
      STOPS_STRANGERS.test(main('smtpd_recipient_restrictions'))
    )
      return [];
    return [
      'neither smtpd_relay_restrictions nor smtpd_recipient_restrictions contains reject_unauth_destination or ' +
        'defer_unauth_destination: this host would be an open relay',
    ];
  },
};
