import type { LintRule } from '../../roles/role.js';
import { splitList } from '../../postfix/lists.js';

/** The lookup-table parameters mailsetup sets (a role's or every role's). */
const TABLE_PARAMETERS = [
  'alias_maps',
  'alias_database',
  'virtual_alias_maps',
  'transport_maps',
  'relay_recipient_maps',
  'local_recipient_maps',
  'smtp_sasl_password_maps',
];

/** The tables a parameter value names: type:name items (hash:/etc/aliases, nis:mail.aliases, $vars excluded). */
function tables(value: string | undefined): string[] {
  return splitList(value).filter((item) => /^[a-z0-9_-]+:/i.test(item) && !item.startsWith('$'));
}

/**
 * A table parameter that named a table before the plan and no longer does: Postfix silently stops
 * reading that table (aliases, recipients or routes in it stop working). Said in the preview.
 */
export const tableDropped: LintRule = {
  id: 'table-dropped',
  level: 'warning',
  summary: 'a lookup table that main.cf used before (`alias_maps`, `transport_maps`, …) is no longer used',
  check({ before, main }) {
    if (before === undefined) return [];
    const out: string[] = [];
    for (const name of TABLE_PARAMETERS) {
      const was = before(name);
      const now = new Set(tables(main(name)));
      const gone = tables(was).filter((t) => !now.has(t));
      if (gone.length === 0) continue;
      out.push(
        `${name} no longer uses ${gone.join(', ')} (main.cf had "${was ?? ''}", now "${main(name)}"): ` +
          'Postfix stops reading that table, and what it holds stops working; move its entries to the table ' +
          'mailsetup uses, or add it back by hand after applying',
      );
    }
    return out;
  },
};
