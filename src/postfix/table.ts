/**
 * What aliases(5) files and lookup-table sources share (src/postfix/aliases.ts,
 * src/postfix/lookupTable.ts): physical lines grouped into logical lines as Postfix's
 * readllines() does, one entry per logical line keyed case-insensitively (the first definition
 * wins; later ones are duplicates Postfix warns about), and edits that replace, append or remove
 * whole entries while keeping every other byte.
 *
 * Edits cost time in proportion to the lines they touch: looking a key up is a map access, and
 * appending a new entry (the common case when mailsetup writes thousands of recipients) adds its
 * line without reading the file again; removing many keys at once is one pass (`removeMany`).
 */
import { isContinuation, isNonContent, splitPhysicalLines } from './lines.js';

/** One logical line: the physical lines it consists of and their joined text. */
export interface LogicalLine {
  /** Indices (0-based) of its physical lines: the start line and its continuation lines. */
  indices: number[];
  /** The joined text, newlines removed (what readllines returns). */
  text: string;
  /** A continuation without an entry before it: Postfix skips it. */
  orphan: boolean;
}

/** Group physical lines into logical lines the way Postfix's readllines() does. */
export function readLogicalLines(physical: string[]): LogicalLine[] {
  const out: LogicalLine[] = [];
  let current: LogicalLine | undefined;
  physical.forEach((line, i) => {
    if (isNonContent(line)) return;
    const body = line.endsWith('\n') ? line.slice(0, -1) : line;
    if (isContinuation(line) && current !== undefined) {
      current.indices.push(i);
      current.text += body;
      return;
    }
    current = { indices: [i], text: body, orphan: isContinuation(line) };
    out.push(current);
  });
  return out;
}

/** The warning Postfix's readllines() prints for an orphan continuation line. */
export function orphanWarning(text: string): string {
  return `logical line must not start with whitespace: "${text.slice(0, 30)}${text.length > 30 ? '...' : ''}"`;
}

/** A warning Postfix would print while building the table; the line is 1-based. */
export interface TableWarning {
  line: number;
  message: string;
}

/** An entry as a subclass reads it from one logical line. */
export interface ReadEntry<F> {
  /** The key as written (for aliases, the name in its internal form). */
  key: string;
  /** The case-folded key the table is indexed by. */
  folded: string;
  fields: F;
  /** Warnings about the line that do not stop it from being an entry. */
  notes?: string[];
}

/** A stored entry: what the subclass read, and where it is. */
export interface Located<F> extends ReadEntry<F> {
  /** 1-based number of the entry's first physical line. */
  line: number;
  /** Its physical lines (0-based). */
  indices: number[];
}

/** A table file: parsing and editing of whole entries; the subclass knows its entry syntax. */
export abstract class KeyedTable<F> {
  protected lines: string[];
  protected parsed: Array<Located<F>> = [];
  protected problems: TableWarning[] = [];
  /** Folded key → every entry with that key, in file order. */
  private byKey = new Map<string, Array<Located<F>>>();

  protected constructor(text: string) {
    this.lines = splitPhysicalLines(text);
    this.reparse();
  }

  /** Read one logical line: an entry, or the warning Postfix prints when it skips the line. */
  protected abstract readEntry(text: string): ReadEntry<F> | { warning: string };

  /** The folded key for a key given to get/set/remove. */
  protected abstract foldedKey(key: string): string;

  private add(ll: LogicalLine): void {
    const line = ll.indices[0] + 1;
    if (ll.orphan) {
      this.problems.push({ line, message: orphanWarning(ll.text) });
      return;
    }
    const r = this.readEntry(ll.text);
    if ('warning' in r) {
      this.problems.push({ line, message: r.warning });
      return;
    }
    for (const message of r.notes ?? []) this.problems.push({ line, message });
    const same = this.byKey.get(r.folded);
    if (same) this.problems.push({ line, message: `duplicate entry: "${r.folded}"` });
    const entry: Located<F> = { ...r, line, indices: ll.indices };
    this.parsed.push(entry);
    if (same) same.push(entry);
    else this.byKey.set(r.folded, [entry]);
  }

  protected reparse(): void {
    this.parsed = [];
    this.problems = [];
    this.byKey.clear();
    for (const ll of readLogicalLines(this.lines)) this.add(ll);
  }

  /** The first entry with this key (case-insensitive), or undefined. */
  protected first(key: string): Located<F> | undefined {
    return this.byKey.get(this.foldedKey(key))?.[0];
  }

  /** Distinct keys in file order, spelled as at their first definition. */
  protected distinctKeys(): string[] {
    const out: string[] = [];
    for (const e of this.parsed) if (this.byKey.get(e.folded)?.[0] === e) out.push(e.key);
    return out;
  }

  /**
   * Put `newLine` (one complete line, "\n"-terminated) in place of the first entry with `key`,
   * dropping that entry's continuation lines and every later duplicate of the key; without an
   * entry, append it (after adding a missing final newline).
   */
  protected put(key: string, newLine: string): void {
    const matches = this.byKey.get(this.foldedKey(key)) ?? [];
    if (matches.length === 0) {
      const last = this.lines.length - 1;
      if (last >= 0 && !this.lines[last].endsWith('\n')) this.lines[last] += '\n';
      // A new line starts at column 0 with a key, so it is a logical line of its own: read just it.
      this.lines.push(newLine);
      this.add({ indices: [this.lines.length - 1], text: newLine.slice(0, -1), orphan: false });
      return;
    }
    const drop = new Set<number>();
    for (const e of matches) for (const i of e.indices) drop.add(i);
    drop.delete(matches[0].indices[0]);
    this.lines[matches[0].indices[0]] = newLine;
    if (drop.size > 0) this.lines = this.lines.filter((_, i) => !drop.has(i));
    this.reparse();
  }

  /** Remove every entry with one of these keys (case-insensitive) and its continuation lines, in one pass. */
  protected drop(keys: Iterable<string>): void {
    const remove = new Set<number>();
    for (const key of keys) {
      for (const e of this.byKey.get(this.foldedKey(key)) ?? []) for (const i of e.indices) remove.add(i);
    }
    if (remove.size === 0) return;
    this.lines = this.lines.filter((_, i) => !remove.has(i));
    this.reparse();
  }

  /** What Postfix would warn about when it builds the table. */
  warnings(): TableWarning[] {
    return this.problems.map((p) => ({ ...p }));
  }

  /** The file text. */
  toString(): string {
    return this.lines.join('');
  }
}
