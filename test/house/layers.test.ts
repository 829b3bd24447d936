/**
 * The house rules the build enforces: each folder of src/ imports only the layers below it
 * (eslint.config.js), and the linter's override ids derive from its rules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { allRules, APPLY_OVERRIDES, COMMON_RULES, overrideIds } from '../../src/plan/lint/index.js';
import { ROLES } from '../../src/roles/index.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The messages of one rule for `code` linted as if it were `file`. */
async function lintAs(file: string, code: string, rule = 'no-restricted-imports'): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT });
  const [r] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return r.messages.filter((m) => m.ruleId === rule).map((m) => m.message);
}

describe('layers', () => {
  it.each([
    [
      'src/plan/x.ts',
      "import { readHostFacts } from '../system/hostFacts.js';",
      'src/plan/ must not import src/system/',
    ],
    ['src/roles/nullClient/x.ts', "import { plan } from '../../plan/plan.js';", 'src/roles/ must not import src/plan/'],
    ['src/ui/x.ts', "import { apply } from '../system/apply.js';", 'src/ui/ must not import src/system/'],
    ['src/model/x.ts', "import { MainCf } from '../postfix/mainCf.js';", 'src/model/ must not import src/postfix/'],
    ['src/system/x.ts', "import { lint } from '../plan/lint/index.js';", 'src/system/ must not import src/plan/'],
    ['src/postfix/x.ts', "import type { Plan } from '../model/plan.js';", 'src/postfix/ must not import src/model/'],
  ])('%s: %s is refused', async (file, code, message) => {
    const found = await lintAs(file, `${code}\nexport const x = 1;\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it('a test file cannot set its timeout with vi.setConfig (it would not last in a shared worker)', async () => {
    const code = "import { vi } from 'vitest';\nvi.setConfig({ testTimeout: 150_000 });\n";
    const found = await lintAs('test/cli/x.test.ts', code, 'no-restricted-syntax');
    expect(found).toEqual([expect.stringContaining('give the suite or test a { timeout } option')]);
  });

  it("a screen cannot read keys with Ink's useInput (one input layer: src/ui/input/)", async () => {
    const found = await lintAs('src/ui/X.tsx', "import { Text, useInput } from 'ink';\nexport { Text, useInput };\n");
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('read keys with useKeys');
    expect(await lintAs('src/ui/X.tsx', "import { Text } from 'ink';\nexport { Text };\n")).toEqual([]);
  });

  it('a downward import passes', async () => {
    expect(
      await lintAs('src/plan/x.ts', "import { MainCf } from '../postfix/mainCf.js';\nexport { MainCf };\n"),
    ).toEqual([]);
    expect(
      await lintAs('src/commands/x.ts', "import { apply } from '../system/apply.js';\nexport { apply };\n"),
    ).toEqual([]);
  });
});

describe('roles and rules', () => {
  it('the override ids are the overridable rules and the apply overrides, each once', () => {
    const fromRules = allRules()
      .filter((r) => r.overridable)
      .map((r) => r.id);
    expect(overrideIds()).toEqual([...new Set([...fromRules, ...APPLY_OVERRIDES])]);
    expect(overrideIds()).toEqual(
      expect.arrayContaining(['mynetworks-public', 'relay-accept-all', 'null-client-direct', 'relay-own-domain']),
    );
  });

  it('rule ids are unique across the common rules and every role', () => {
    const ids = allRules().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(COMMON_RULES.length).toBeGreaterThan(0);
  });

  it("the README's table of rules names every rule", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const r of allRules()) expect(readme, r.id).toContain(`\`${r.id}\``);
  });

  it('role-specific knowledge stays in src/roles/: no other source file names a role id', () => {
    const ids = Object.keys(ROLES);
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (p !== join(ROOT, 'src', 'roles')) walk(p);
        } else if (/\.tsx?$/.test(e.name)) {
          const text = readFileSync(p, 'utf8');
          for (const id of ids) if (text.includes(`'${id}'`)) offenders.push(`${p.slice(ROOT.length + 1)}: '${id}'`);
        }
      }
    };
    walk(join(ROOT, 'src'));
    expect(offenders).toEqual([]);
  });
});
