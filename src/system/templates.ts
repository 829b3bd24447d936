/**
 * The files mailsetup writes when they are absent. main.cf and master.cf start from what this
 * box's Postfix package ships (`/usr/share/postfix/main.cf.debian`, `master.cf.dist`; under
 * --root DIR from DIR/usr/share/postfix), which differ between releases (Debian 13:
 * compatibility_level = 3.9, the "(Debian)" banner, master.cf with the pipe services commented
 * out). The copies in templates/ (Debian 12's, shipped beside dist/ in the package) are the
 * fallback where the package's are absent or unreadable; aliases and the rsyslog drop-in always
 * come from there (the package has no template of either).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Effects } from '../model/effects.js';
import type { Templates } from '../model/plan.js';
import { MainCf } from '../postfix/mainCf.js';
import { MasterCf } from '../postfix/masterCf.js';

/** Where Debian's and Ubuntu's postfix package keeps the files its postinst starts from. */
export const PACKAGE_MAIN_CF = '/usr/share/postfix/main.cf.debian';
export const PACKAGE_MASTER_CF = '/usr/share/postfix/master.cf.dist';

/** What the preview calls the bundled copies. */
export const BUNDLED_MAIN_CF = "mailsetup's copy of Debian 12's main.cf.debian";
export const BUNDLED_MASTER_CF = "mailsetup's copy of Debian 12's master.cf";

export function templatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, 'main.cf'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('mailsetup: templates/ not found beside the program; the package is incomplete');
}

/** The bundled templates alone (templates/). */
export function bundledTemplates(): Templates {
  const dir = templatesDir();
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    mainCf: read('main.cf'),
    masterCf: read('master.cf'),
    aliases: read('aliases'),
    rsyslog: read('rsyslog-postfix.conf'),
    mainCfFrom: BUNDLED_MAIN_CF,
    masterCfFrom: BUNDLED_MASTER_CF,
  };
}

/**
 * The package's file at `path` (read through `fx`, so under --root from the sandbox) when it is
 * there and parses; else why not (null: it is absent).
 */
async function packageFile(
  fx: Effects,
  path: string,
  parse: (text: string) => unknown,
): Promise<{ text: string } | { reason: string | null }> {
  let text: string | null;
  try {
    text = await fx.readFile(path);
  } catch (e) {
    return { reason: `${fx.resolve(path)} cannot be read: ${(e as Error).message}` };
  }
  if (text === null) return { reason: null };
  try {
    parse(text);
  } catch (e) {
    return { reason: `${fx.resolve(path)} is not a file Postfix reads correctly: ${(e as Error).message}` };
  }
  return { text };
}

/** The templates for this box: main.cf and master.cf from its Postfix package where it has them. */
export async function loadTemplates(fx: Effects): Promise<Templates> {
  const t = bundledTemplates();
  const [main, master] = await Promise.all([
    packageFile(fx, PACKAGE_MAIN_CF, (s) => MainCf.parse(s)),
    packageFile(fx, PACKAGE_MASTER_CF, (s) => MasterCf.parse(s)),
  ]);
  if ('text' in main) {
    t.mainCf = main.text;
    t.mainCfFrom = fx.resolve(PACKAGE_MAIN_CF);
  } else {
    t.mainCfFrom = main.reason === null ? BUNDLED_MAIN_CF : `${BUNDLED_MAIN_CF} (${main.reason})`;
  }
  if ('text' in master) {
    t.masterCf = master.text;
    t.masterCfFrom = fx.resolve(PACKAGE_MASTER_CF);
  } else {
    t.masterCfFrom = master.reason === null ? BUNDLED_MASTER_CF : `${BUNDLED_MASTER_CF} (${master.reason})`;
  }
  return t;
}
