/** The host's accounts as passwd(5) and group(5) list them: names to numeric ids. */

/** The id (third field) of `name` in passwd(5) or group(5) text, or undefined. */
function idOf(text: string | null, name: string): number | undefined {
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && /^\d+$/.test(f[2] ?? '')) return Number(f[2]);
  }
  return undefined;
}

/** The uid of a user in /etc/passwd text, or undefined. */
export function userId(passwdText: string | null, name: string): number | undefined {
  return idOf(passwdText, name);
}

/** The gid of a group in /etc/group text, or undefined. */
export function groupId(groupText: string | null, name: string): number | undefined {
  return idOf(groupText, name);
}
