/**
 * Postfix version numbers as `mail_version` reports them ("3.7.11", "3.10.13", a snapshot
 * "3.11-20250601"): every version-dependent message and behaviour is keyed on these, never on a
 * distribution's name.
 */

/** [major, minor, patch] of a mail_version, or null when it is not one. */
export function parseVersion(v: string): [number, number, number] | null {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** Whether `v` is at least major.minor[.patch]; false when `v` is not a version. */
export function versionAtLeast(v: string, major: number, minor: number, patch = 0): boolean {
  const p = parseVersion(v);
  if (!p) return false;
  if (p[0] !== major) return p[0] > major;
  if (p[1] !== minor) return p[1] > minor;
  return p[2] >= patch;
}
