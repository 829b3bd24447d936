import { cite, DOCS } from '../../roles/docs.js';
import type { LintRule } from '../../roles/role.js';
import { namedTables, readTable, sourcePath } from '../tables.js';

/** The Debian package that brings a lookup table type Postfix does not have built in. */
const PACKAGES: Readonly<Record<string, string>> = {
  pcre: 'postfix-pcre',
  lmdb: 'postfix-lmdb',
  cdb: 'postfix-cdb',
  ldap: 'postfix-ldap',
  mysql: 'postfix-mysql',
  pgsql: 'postfix-pgsql',
  sqlite: 'postfix-sqlite',
};

/**
 * The tables and pattern files that parameters name (mynetworks = /etc/postfix/network_table,
 * mydestination = hash:/etc/postfix/domains, check_client_access hash:/etc/postfix/access):
 * the type is supported here, the file exists and its lines are what the parameter needs,
 * postmap has built its database.
 */
export const tableFiles: LintRule = {
  id: 'table-file',
  level: 'error',
  summary: 'a table or pattern file named in a parameter is missing, unbuilt, unsupported or holds invalid lines',
  check({ a, facts }) {
    const out: string[] = [];
    for (const t of namedTables(a)) {
      const name = `${t.param}: ${t.ref.text}`;
      if (t.ref.kind === 'table' && facts.mapTypes !== undefined && !facts.mapTypes.includes(t.ref.type)) {
        const pkg = PACKAGES[t.ref.type];
        out.push(
          `${name}: Postfix here does not support ${t.ref.type}: tables (postconf -m)` +
            (pkg ? `: install ${pkg}` : ''),
        );
        continue;
      }
      const path = sourcePath(t.ref);
      if (path === undefined) continue; // a database server's table: nothing to read here
      const text = facts.files[path];
      if (text === undefined) continue; // not gathered (a plan made without the machine)
      if (text === null) {
        out.push(`${name}: ${path} does not exist: Postfix stops with "open ${path}: No such file or directory"`);
        continue;
      }
      if (text.startsWith('!')) {
        out.push(`${name}: ${path} cannot be read: ${text.slice(1)}`);
        continue;
      }
      const content = readTable(t, text);
      if (content.opaque) continue;
      out.push(...content.problems.map((p) => `${t.param}: ${p}`));
      if (t.ref.kind === 'table' && t.ref.database !== undefined && facts.databases[t.ref.database] === false) {
        out.push(
          `${name}: ${t.ref.database} does not exist: run "postmap ${t.ref.text}" after editing ${path}` +
            (t.param === 'mynetworks' ? cite(DOCS.mynetworksWan) : ''),
        );
      }
    }
    return out;
  },
};
