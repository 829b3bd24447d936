import { cite, DOCS } from '../../roles/docs.js';
import type { LintRule } from '../../roles/role.js';
import { relayDomains } from './domainLocalAndRelay.js';

/** Relay domains without a recipient list accept mail for anyone and bounce it later (backscatter). */
export const relayAcceptAll: LintRule = {
  id: 'relay-accept-all',
  level: 'error',
  overridable: true,
  summary: '`relay_domains` without `relay_recipient_maps` (backscatter)',
  check(ctx) {
    const domains = relayDomains(ctx);
    if (domains.length === 0 || ctx.main('relay_recipient_maps') !== '') return [];
    return [
      `relay_domains (${domains.join(', ')}) without relay_recipient_maps accepts mail for any address and bounces ` +
        'the unknown ones later (backscatter): list the valid recipients, or override relay-accept-all to accept all knowingly' +
        cite(DOCS.relayRecipients),
    ];
  },
};
