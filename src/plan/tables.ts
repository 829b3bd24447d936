/**
 * The lookup tables and pattern files that parameters name (mynetworks = /etc/postfix/network_table,
 * mydestination = hash:/etc/postfix/local_domains, check_client_access hash:/etc/postfix/access,
 * …): which ones the answers name, and what their text says. Pure: the files are read before
 * planning (src/system/facts.ts) and handed in as PlanFacts.
 *
 * Messages about a file's lines give line numbers and the problem, never the line itself: the
 * file is whatever the answers named, read as root.
 */
import type { Resolved } from '../roles/role.js';
import { LookupTable } from '../postfix/lookupTable.js';
import { splitList } from '../postfix/lists.js';
import {
  checkHostname,
  looksLikeTableRef,
  parseCidr,
  parseRestrictions,
  parseTableRef,
  type Cidr,
  type TableRef,
} from '../postfix/validate.js';

/** The parameters whose tables mailsetup reads, and what their entries are. */
export type TableUse = 'networks' | 'domains' | 'access';

/** One table or pattern file an answer names. */
export interface NamedTable {
  param: string;
  use: TableUse;
  ref: TableRef;
}

/** The table references among a list's items (expanded values are the caller's). */
function refsIn(param: string, use: TableUse, items: readonly string[]): NamedTable[] {
  const out: NamedTable[] = [];
  for (const raw of items) {
    const item = raw.startsWith('!') ? raw.slice(1) : raw;
    if (item.includes('$') || !looksLikeTableRef(item)) continue;
    try {
      if (use === 'networks') {
        // A network is not a table even when it starts like one ("2001:db8::/32" is not type 2001).
        parseCidr(item);
        continue;
      }
    } catch {
      // not a network: a table
    }
    try {
      out.push({ param, use, ref: parseTableRef(item) });
    } catch {
      // validation refused it already
    }
  }
  return out;
}

/** Every table or pattern file the answers name, in the parameters mailsetup writes. */
export function namedTables(a: Resolved): NamedTable[] {
  const out = [
    ...refsIn('mynetworks', 'networks', a.mynetworks ?? []),
    ...refsIn('mydestination', 'domains', a.mydestination ?? []),
    ...refsIn('relay_domains', 'domains', a.relay_domains ?? []),
  ];
  let restrictions: string[] = [];
  try {
    restrictions = parseRestrictions(a.smtpd_recipient_restrictions ?? []);
  } catch {
    restrictions = [];
  }
  for (const r of restrictions) {
    const [name, arg] = r.split(' ');
    if (arg !== undefined && name.endsWith('_access'))
      out.push(...refsIn('smtpd_recipient_restrictions', 'access', [arg]));
  }
  const seen = new Set<string>();
  return out.filter((t) => {
    const k = `${t.param} ${t.ref.text}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The source text file of a table (a pattern file itself, or the file a type:/path table is built from). */
export function sourcePath(ref: TableRef): string | undefined {
  return ref.kind === 'file' ? ref.path : ref.path;
}

/** Non-comment, non-blank lines with their numbers (Postfix: "#" starts a comment line, leading space continues). */
function contentLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  text.split('\n').forEach((l, i) => {
    const t = l.replace(/\r$/, '').trim();
    if (t === '' || t.startsWith('#')) return;
    out.push({ line: i + 1, text: t });
  });
  return out;
}

/** postmap's warning about a line, in words that do not repeat the line. */
function warningWords(message: string): string {
  if (message.startsWith('duplicate entry')) return 'the key appears twice (postmap uses the first)';
  if (message.startsWith('logical line must not start'))
    return 'a continuation line without an entry (postmap skips it)';
  if (message.startsWith('unbalanced')) return "an unbalanced '\"' (postmap skips the line)";
  return 'expected format: key whitespace value (postmap skips the line)';
}

/** What one table's text holds, for the rules: its networks (for mynetworks) and its problems. */
export interface TableContent {
  networks: Array<{ cidr: Cidr; line: number }>;
  problems: string[];
  /** The table cannot be read by mailsetup (pcre, regexp, a database server): nothing to check. */
  opaque: boolean;
}

/** Read one table's text as `use` wants it. */
export function readTable(t: NamedTable, text: string): TableContent {
  const networks: TableContent['networks'] = [];
  const problems: string[] = [];
  const where = sourcePath(t.ref) ?? t.ref.text;
  const type = t.ref.kind === 'file' ? 'file' : t.ref.type;
  if (type === 'pcre' || type === 'regexp') return { networks, problems, opaque: true };
  const network = (token: string, line: number): void => {
    try {
      networks.push({ cidr: parseCidr(token), line });
    } catch {
      problems.push(`${where} line ${line}: not a network address (CIDR) or address`);
    }
  };
  if (type === 'file') {
    // A pattern file: the same patterns as in main.cf, separated by whitespace or commas.
    for (const { line, text: l } of contentLines(text)) {
      for (const raw of splitList(l)) {
        const token = raw.startsWith('!') ? raw.slice(1) : raw;
        if (looksLikeTableRef(token) && t.use !== 'networks') continue;
        if (t.use === 'networks') {
          if (looksLikeTableRef(token)) {
            try {
              parseCidr(token);
            } catch {
              continue; // a nested table: Postfix reads it; mailsetup does not follow it
            }
          }
          if (!raw.startsWith('!')) network(token, line);
        } else if (checkHostname(token, { allowSingleLabel: true }) !== null) {
          problems.push(`${where} line ${line}: not a domain name`);
        }
      }
    }
    return { networks, problems, opaque: false };
  }
  if (type === 'cidr') {
    for (const { line, text: l } of contentLines(text)) {
      const [pattern, ...rest] = l.split(/\s+/);
      if (rest.length === 0) problems.push(`${where} line ${line}: a network without a result`);
      const p = pattern.startsWith('!') ? pattern.slice(1) : pattern;
      if (t.use === 'networks' && !pattern.startsWith('!')) network(p, line);
      else {
        try {
          parseCidr(p);
        } catch {
          problems.push(`${where} line ${line}: not a network address (CIDR) or address`);
        }
      }
    }
    return { networks, problems, opaque: false };
  }
  // Indexed and text tables in postmap's format: key value.
  let entries: Array<{ key: string; line: number }>;
  try {
    const table = LookupTable.parse(text);
    entries = table.entries().map((e) => ({ key: e.key, line: e.line }));
    for (const w of table.warnings()) {
      // postmap skips such lines: say where, not what (the warning quotes the line).
      problems.push(`${where} line ${w.line}: ${warningWords(w.message)}`);
    }
  } catch {
    return { networks, problems: [`${where}: not a text lookup table postmap can read`], opaque: false };
  }
  for (const { key, line } of entries) {
    if (t.use === 'networks') {
      // mynetworks looks a table up with the client's address only: a key with a prefix never matches.
      if (key.includes('/')) {
        problems.push(
          `${where} line ${line}: a network with a prefix length never matches in a ${type}: table, which is looked ` +
            'up with the client address alone (use a cidr: table)',
        );
        continue;
      }
      network(key, line);
    } else if (t.use === 'domains') {
      const d = key.startsWith('.') ? key.slice(1) : key;
      if (checkHostname(d, { allowSingleLabel: true }) !== null)
        problems.push(`${where} line ${line}: not a domain name`);
    }
  }
  return { networks, problems, opaque: false };
}
