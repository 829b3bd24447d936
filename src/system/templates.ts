/**
 * Reads templates/ (shipped beside dist/ in the package): the files mailsetup writes when they
 * are absent. Found relative to this module, whether it runs from src/, dist/ or dist/chunks/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Templates } from '../model/plan.js';

export function templatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, 'main.cf'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('mailsetup: templates/ not found beside the program; the package is incomplete');
}

export function loadTemplates(): Templates {
  const dir = templatesDir();
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    mainCf: read('main.cf'),
    masterCf: read('master.cf'),
    aliases: read('aliases'),
    rsyslog: read('rsyslog-postfix.conf'),
  };
}
