/**
 * Where Debian's real default files are (shared/reference/debian-bookworm/): beside the checkout
 * (`../shared`, as CI lays it out) or in the developers' workplace.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CANDIDATES = [
  join(fileURLToPath(new URL('../..', import.meta.url)), '..', 'shared', 'reference', 'debian-bookworm'),
  '/work/shared/reference/debian-bookworm',
];

function find(): string {
  const dir = CANDIDATES.find((d) => existsSync(join(d, 'master.cf')));
  if (!dir) throw new Error(`Debian's reference files were not found (looked in ${CANDIDATES.join(', ')})`);
  return dir;
}

/** The directory with master.cf, main.cf.debian, main.cf.dist, etc-aliases, … */
export const DEBIAN_REFERENCE: string = find();
