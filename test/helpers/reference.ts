/**
 * Debian 12's own files (postfix 3.7.11-0+deb12u1, installed with "No configuration"), all inside
 * the repository: the ones mailsetup ships byte-identical in templates/ are read from there, the
 * others from test/fixtures/debian-bookworm/; and Debian 13's templates (postfix 3.10.13-0+deb13u1)
 * from test/fixtures/debian-trixie/, for planner tests of a Debian 13 box on any machine.
 * test/fixtures/README.md says where each comes from, and test/postfix/debianFiles.test.ts checks
 * the bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root. */
const ROOT = join(import.meta.dirname, '..', '..');

/** Debian's file (by its name on a box) → where the repository keeps it. */
export const DEBIAN_FILES = {
  /** /etc/postfix/master.cf as installed (= /usr/share/postfix/master.cf.dist). */
  'master.cf': 'templates/master.cf',
  /** /usr/share/postfix/main.cf.debian. */
  'main.cf.debian': 'templates/main.cf',
  /** /etc/aliases, written by the postinst. */
  aliases: 'templates/aliases',
  /** /etc/rsyslog.d/postfix.conf. */
  'rsyslog.d/postfix.conf': 'templates/rsyslog-postfix.conf',
  /** /usr/share/postfix/main.cf.dist: upstream's commented main.cf. */
  'main.cf.dist': 'test/fixtures/debian-bookworm/main.cf.dist',
  /** /usr/share/postfix/main.cf.tls: the TLS lines the postinst appends. */
  'main.cf.tls': 'test/fixtures/debian-bookworm/main.cf.tls',
  /** /etc/postfix/postfix-files: what Postfix installs (and `postfix check` creates when missing). */
  'postfix-files': 'test/fixtures/debian-bookworm/postfix-files',
  /** Debian 13's /usr/share/postfix/main.cf.debian. */
  'trixie/main.cf.debian': 'test/fixtures/debian-trixie/main.cf.debian',
  /** Debian 13's /usr/share/postfix/master.cf.dist (= /etc/postfix/master.cf as installed). */
  'trixie/master.cf': 'test/fixtures/debian-trixie/master.cf.dist',
} as const;

export type DebianFile = keyof typeof DEBIAN_FILES;

/** The absolute path of Debian's `name` in this checkout. */
export function debianPath(name: DebianFile): string {
  return join(ROOT, DEBIAN_FILES[name]);
}

/** Debian's `name`, as UTF-8 text. */
export function readDebian(name: DebianFile): string {
  return readFileSync(debianPath(name), 'utf8');
}
