// ESLint flat config: typescript-eslint's recommended rules over src/, test/ and bench/, and the
// layers of src/ (README, "Architecture"): each folder imports only the folders below it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * The layers, each with the folders of src/ it must not import (directly or by a deeper relative
 * path). src/commands/ and src/cli.ts sit on top and may import everything.
 */
const LAYERS = {
  model: ['postfix', 'roles', 'plan', 'output', 'system', 'ui', 'commands'],
  postfix: ['model', 'roles', 'plan', 'output', 'system', 'ui', 'commands'],
  roles: ['plan', 'output', 'system', 'ui', 'commands'],
  plan: ['output', 'system', 'ui', 'commands'],
  output: ['postfix', 'roles', 'plan', 'system', 'ui', 'commands'],
  system: ['roles', 'plan', 'output', 'ui', 'commands'],
  ui: ['system', 'commands'],
};

/**
 * Imports refused in a layer whatever the folder: the screens read keys only through the wizard's
 * input layer (src/ui/input/), which splits every read of the terminal into keys and gives each
 * to the one input owner of the screen; Ink's useInput takes a whole read for one key.
 */
const PATHS = {
  ui: [
    {
      name: 'ink',
      importNames: ['useInput'],
      message: "read keys with useKeys (src/ui/input/): Ink's useInput takes a whole read of the terminal for one key.",
    },
  ],
};

const layerRules = Object.entries(LAYERS).map(([layer, forbidden]) => ({
  files: [`src/${layer}/**/*.{ts,tsx}`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: PATHS[layer] ?? [],
        patterns: forbidden.map((f) => ({
          group: [`../${f}/*`, `../../${f}/*`, `../../../${f}/*`, `../${f}.js`, `../../${f}.js`],
          message: `src/${layer}/ must not import src/${f}/: dependencies flow one way (README, "Architecture").`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  // .cache/: downloads and the test loader's compiled modules (test/helpers/ts-loader-hooks.mjs), not sources.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  ...layerRules,
  {
    // bin/mailsetup.cjs: CommonJS (Node starts it sooner than an ES module), for any Node; the
    // bench's preload (bench/check-start.cjs), which Node's --require loads.
    files: ['bin/**/*.cjs', 'bench/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Prettier wraps code at 120 columns but leaves long strings alone: split them (concatenation).
    files: ['src/**', 'test/**', 'bench/**', 'scripts/**'],
    rules: {
      'max-len': ['error', { code: 160, ignoreUrls: true }],
    },
  },
  {
    // The test workers run file after file (vitest.config.ts, isolate: false), and vitest's `vi`
    // keeps the first file's state: a later file's vi.setConfig would change nothing. A file's
    // timeouts go on its suites and tests instead (`describe(name, { timeout }, fn)`).
    files: ['test/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='vi'][callee.property.name=/^(setConfig|resetConfig)$/]",
          message: 'vi.setConfig does not last in a shared test worker: give the suite or test a { timeout } option',
        },
      ],
    },
  },
);
