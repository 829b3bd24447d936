import { cite, DOCS } from '../../roles/docs.js';
import type { LintRule } from '../../roles/role.js';

/** Without mynetworks, mynetworks_style = subnet/class trusts a whole public subnet or class. */
export const mynetworksStyle: LintRule = {
  id: 'mynetworks-style',
  level: 'error',
  summary: '`mynetworks_style = subnet/class` on a host with a public address and no explicit `mynetworks`',
  perService: true,
  check({ host, main, isSet }) {
    if (isSet('mynetworks')) return [];
    const style = main('mynetworks_style');
    if ((style !== 'subnet' && style !== 'class') || !host.addresses.some((x) => x.scope === 'public')) return [];
    return [
      `mynetworks_style = ${style} on a host with a public address trusts its whole ` +
        `${style === 'class' ? 'class' : 'subnet'}: set mynetworks explicitly, or mynetworks_style = host` +
        cite(style === 'class' ? DOCS.mynetworksClass : DOCS.mynetworksWan),
    ];
  },
};
