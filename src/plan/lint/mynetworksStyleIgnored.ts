import { cite, DOCS } from '../../roles/docs.js';
import type { LintRule } from '../../roles/role.js';

/** mynetworks_style answered while main.cf still sets mynetworks (not mailsetup's): the style does nothing. */
export const mynetworksStyleIgnored: LintRule = {
  id: 'mynetworks-style-ignored',
  level: 'error',
  summary: '`mynetworks_style` answered while main.cf sets `mynetworks`, which Postfix uses instead',
  check({ a, isSet, raw }) {
    if (!a.mynetworks_style || !isSet('mynetworks')) return [];
    return [
      `mynetworks_style = ${a.mynetworks_style} would have no effect: main.cf sets mynetworks = ${raw('mynetworks') ?? ''} ` +
        `(mailsetup did not set it): remove that line, or answer mynetworks${cite(DOCS.mynetworksIgnoresStyle)}`,
    ];
  },
};
