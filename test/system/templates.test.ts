/**
 * The templates a fresh box's main.cf and master.cf start from: the box's own Postfix package
 * (/usr/share/postfix/main.cf.debian and master.cf.dist; under --root, the sandbox's), else
 * mailsetup's bundled copies of Debian 12's, also when the package's file is not one Postfix reads.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryEffects } from '../../src/system/memoryEffects.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import {
  BUNDLED_MAIN_CF,
  BUNDLED_MASTER_CF,
  bundledTemplates,
  loadTemplates,
  PACKAGE_MAIN_CF,
  PACKAGE_MASTER_CF,
} from '../../src/system/templates.js';
import { cleanup, tempDir } from '../helpers/postfix.js';

const D13_MAIN =
  '# See /usr/share/postfix/main.cf.dist\n\ncompatibility_level = 3.9\nsmtpd_banner = $myhostname ESMTP $mail_name (Debian)\n';
const D13_MASTER =
  'smtp      inet  n       -       y       -       -       smtpd\n#maildrop  unix  -       n       n       -       -       pipe\n';

describe('loadTemplates', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(cleanup));

  it("the package's main.cf.debian and master.cf.dist when the box has them", async () => {
    const t = await loadTemplates(
      createMemoryEffects({ files: { [PACKAGE_MAIN_CF]: D13_MAIN, [PACKAGE_MASTER_CF]: D13_MASTER } }),
    );
    expect(t.mainCf).toBe(D13_MAIN);
    expect(t.masterCf).toBe(D13_MASTER);
    expect(t.mainCfFrom).toBe('/usr/share/postfix/main.cf.debian');
    expect(t.masterCfFrom).toBe('/usr/share/postfix/master.cf.dist');
    // aliases and the rsyslog drop-in have no package template
    expect(t.aliases).toBe(bundledTemplates().aliases);
    expect(t.rsyslog).toBe(bundledTemplates().rsyslog);
  });

  it('the bundled copies where the package has none', async () => {
    const t = await loadTemplates(createMemoryEffects({ files: { [PACKAGE_MASTER_CF]: D13_MASTER } }));
    const b = bundledTemplates();
    expect(t.mainCf).toBe(b.mainCf);
    expect(t.mainCfFrom).toBe(BUNDLED_MAIN_CF);
    expect(t.masterCf).toBe(D13_MASTER);
    expect(b.mainCf).toContain('compatibility_level = 3.6');
  });

  it('the bundled copies, saying why, when the package file is not one Postfix reads', async () => {
    const t = await loadTemplates(
      createMemoryEffects({ files: { [PACKAGE_MAIN_CF]: 'a = 1\0\n', [PACKAGE_MASTER_CF]: 'smtp inet n\n' } }),
    );
    expect(t.mainCf).toBe(bundledTemplates().mainCf);
    expect(t.mainCfFrom).toMatch(
      /^mailsetup's copy of Debian 12's main\.cf\.debian \(\/usr\/share\/postfix\/main\.cf\.debian is not a file Postfix reads correctly: .*NUL/,
    );
    expect(t.masterCf).toBe(bundledTemplates().masterCf);
    expect(t.masterCfFrom?.startsWith(`${BUNDLED_MASTER_CF} (/usr/share/postfix/master.cf.dist is not a file`)).toBe(
      true,
    );
  });

  it("under --root: the sandbox's usr/share/postfix, never the live one", async () => {
    const root = tempDir();
    dirs.push(root);
    expect((await loadTemplates(createRealEffects(root))).mainCfFrom).toBe(BUNDLED_MAIN_CF);
    mkdirSync(join(root, 'usr/share/postfix'), { recursive: true });
    writeFileSync(join(root, PACKAGE_MAIN_CF), D13_MAIN);
    const t = await loadTemplates(createRealEffects(root));
    expect(t.mainCf).toBe(D13_MAIN);
    expect(t.mainCfFrom).toBe(join(root, PACKAGE_MAIN_CF));
    expect(t.masterCfFrom).toBe(BUNDLED_MASTER_CF);
  });

  it.skipIf(!existsSync(PACKAGE_MAIN_CF))("on this box: exactly the installed package's files", async () => {
    const t = await loadTemplates(createRealEffects('/'));
    expect(t.mainCf).toBe(readFileSync(PACKAGE_MAIN_CF, 'utf8'));
    expect(t.masterCf).toBe(readFileSync(PACKAGE_MASTER_CF, 'utf8'));
  });
});
