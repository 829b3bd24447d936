/**
 * Reader for Postfix's postfix-files (`$meta_directory/postfix-files` and the files in
 * `postfix-files.d/`): the objects Postfix installs, one per line as
 * `path:type:owner:group:mode:flags`, read as `post-install` reads them (`IFS=: read path type
 * owner group mode flags junk`): lines whose path does not start with `$` (comments among them)
 * are skipped, `-` is an empty field, `$name` is a parameter's value.
 *
 * What matters here is what `postfix check` makes: it runs `post-install create-missing`, which
 * creates each directory (type `d`) with the `c` flag that is missing, `mkdir` then `chown owner`,
 * `chgrp group` when a group is given, and `chmod mode`; an object with the `o` flag is obsolete
 * and never created.
 */

/** A directory `post-install create-missing` creates when it is missing (fields as written). */
export interface CreatedDirectory {
  /** `$queue_directory/active`, `$data_directory`, … */
  path: string;
  /** `$mail_owner`, `root`, … */
  owner: string;
  /** `$setgid_group`, or '' (none: the directory keeps the group mkdir gave it). */
  group: string;
  /** Permission bits (`700` → 0o700). */
  mode: number;
}

/**
 * The directories of one postfix-files text that `create-missing` would create, in file order.
 * Throws on a directory line whose mode is not octal (post-install's `chmod` would fail on it).
 */
export function createdDirectories(text: string): CreatedDirectory[] {
  const out: CreatedDirectory[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('$')) continue;
    const [path = '', type = '', owner = '', group = '', mode = '', flags = ''] = line.split(':');
    if (type !== 'd' || !flags.includes('c') || flags.includes('o')) continue;
    if (!/^[0-7]{3,4}$/.test(mode))
      throw new Error(`postfix-files: ${path}: mode ${JSON.stringify(mode)} is not octal`);
    out.push({
      path,
      owner: owner === '-' ? '' : owner,
      group: group === '-' ? '' : group,
      mode: Number.parseInt(mode, 8),
    });
  }
  return out;
}
