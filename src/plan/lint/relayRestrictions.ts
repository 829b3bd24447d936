import { splitList } from '../../postfix/lists.js';
import type { LintRule } from '../../roles/role.js';

const STOPS_STRANGERS = /\b(reject|defer)_unauth_destination\b/;

/** What a restriction list does to a client outside mynetworks, not logged in, mailing another domain. */
export function strangerOutcome(list: string): 'stopped' | 'passes' {
  for (const item of splitList(list).map((i) => i.toLowerCase())) {
    if (item.includes(':')) continue; // the table of a check_*_access before it
    if (['reject', 'defer', 'reject_unauth_destination', 'defer_unauth_destination'].includes(item)) return 'stopped';
    if (item === 'permit') return 'passes';
    // permit_mynetworks, permit_sasl_authenticated, checks of tables…: not for a stranger, or unknown here
  }
  return 'passes'; // the end of a list permits
}

/**
 * The relay restrictions must stop strangers: a client outside mynetworks that has not logged in
 * must meet reject(_unauth_destination) or defer(_unauth_destination) before any `permit`, in
 * smtpd_relay_restrictions or in smtpd_recipient_restrictions. Also run on each master.cf smtpd
 * service with -o overrides (`-o smtpd_relay_restrictions=permit` makes that port an open relay).
 */
export const relayRestrictions: LintRule = {
  id: 'relay-restrictions',
  level: 'error',
  summary: 'neither relay nor recipient restrictions contain `reject_unauth_destination`/`defer_unauth_destination`',
  perService: true,
  check({ main }) {
    const relay = main('smtpd_relay_restrictions');
    const recipient = main('smtpd_recipient_restrictions');
    if (strangerOutcome(relay) === 'stopped' || strangerOutcome(recipient) === 'stopped') return [];
    if (!STOPS_STRANGERS.test(relay) && !STOPS_STRANGERS.test(recipient))
      return [
        'neither smtpd_relay_restrictions nor smtpd_recipient_restrictions contains reject_unauth_destination or ' +
          'defer_unauth_destination: this host would be an open relay',
      ];
    return [
      'smtpd_relay_restrictions and smtpd_recipient_restrictions permit a client outside mynetworks before ' +
        'reject_unauth_destination stops it: this host would be an open relay',
    ];
  },
};
