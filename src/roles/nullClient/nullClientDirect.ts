import { cite, DOCS } from '../docs.js';
import type { LintRule } from '../role.js';

/** A null client without relayhost sends straight to the Internet. */
export const nullClientDirect: LintRule = {
  id: 'null-client-direct',
  level: 'error',
  overridable: true,
  summary: 'a null client without `relayhost`',
  check({ main }) {
    if (main('relayhost') !== '') return [];
    return [
      'a null client without relayhost delivers directly to the Internet (port 25 is often blocked, and the mail ' +
        `lacks a proper sender domain)${cite(DOCS.nullClientRelayhost)}`,
    ];
  },
};
