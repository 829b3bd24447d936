/**
 * Postfix's list values: main.cf lists are separated by whitespace and/or commas ("a, b c"), and
 * mailsetup writes them as "a, b, c".
 */

/** The items of a Postfix list value; [] for undefined or empty. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((s) => s !== '');
}

/** A list as mailsetup writes it: "a, b, c". */
export function joinList(items: readonly string[]): string {
  return items.join(', ');
}
