/**
 * runWizard on a real terminal: the wizard (with the fake backend) is bundled with esbuild and run
 * in a tmux pane of 100×24, keys are sent with `tmux send-keys`, the screen is read with
 * `capture-pane`. Covers raw-mode keys, the exit codes (130 for Ctrl-C, 0 applied, 1 failed) and
 * colour on/off. Skipped loudly when tmux is missing. Uses its own tmux server (-L) and removes it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { needsTmux } from '../helpers/needs.js';
import { killTmuxServer } from '../helpers/tmuxSocket.mjs';

const TMUX = needsTmux('the wizard on a real terminal');
const SOCKET = `mailsetup-ui-test-${process.pid}`;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let dir = '';
let sessions = 0;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start the wizard in a new pane; returns helpers bound to it. */
function startPane(env: Record<string, string>) {
  const name = `w${++sessions}`;
  const exitFile = join(dir, `${name}.exit`);
  const vars = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  tmux(
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    '100',
    '-y',
    '24',
    `env LANG=C.UTF-8 ${vars} node ${join(dir, 'out', 'entry.js')}; echo $? > ${exitFile}; sleep 60`,
  );
  const screen = (escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', name);
  return {
    screen,
    keys: async (...keys: string[]) => {
      for (const k of keys) {
        tmux('send-keys', '-t', name, k);
        await sleep(150);
      }
    },
    text: async (t: string) => {
      tmux('send-keys', '-t', name, '-l', t);
      await sleep(150);
    },
    waitFor: async (t: string, timeoutMs = 10_000) => {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const s = screen();
        if (s.includes(t)) return s;
        await sleep(50);
      }
      throw new Error(`"${t}" did not appear; screen:\n${screen()}`);
    },
    exitCode: async (timeoutMs = 10_000) => {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        if (existsSync(exitFile)) {
          const t = readFileSync(exitFile, 'utf8').trim();
          if (t !== '') return Number(t);
        }
        await sleep(50);
      }
      throw new Error(`the wizard did not exit; screen:\n${screen()}`);
    },
  };
}

(TMUX ? describe : describe.skip)('runWizard on a terminal (tmux)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mailsetup-ui-tty-'));
    writeFileSync(
      join(dir, 'entry.tsx'),
      [
        `import { runWizard } from ${JSON.stringify(join(ROOT, 'src/ui/render.tsx'))};`,
        `import { fakeBackend } from ${JSON.stringify(join(ROOT, 'test/ui/fakeBackend.ts'))};`,
        `const fake = fakeBackend({ applyOutcome: process.env.OUTCOME === 'failure' ? 'failure' : 'success' });`,
        `const code = await runWizard(fake, { color: process.env.COLOR === '1', unicode: true });`,
        'process.stdout.write(`RESULT code=${code} applyCalls=${fake.applyCalls.length}\\n`);',
        'process.exitCode = code;',
      ].join('\n'),
    );
    await build({
      entryPoints: [join(dir, 'entry.tsx')],
      outdir: join(dir, 'out'),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      jsx: 'automatic',
      nodePaths: [join(ROOT, 'node_modules')],
      external: ['react-devtools-core'],
      define: { 'process.env.NODE_ENV': '"production"' },
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'error',
    });
  }, 60_000);

  afterAll(() => {
    killTmuxServer(SOCKET);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('Ctrl-C before confirming exits 130 and never applies', async () => {
    const p = startPane({ COLOR: '0' });
    await p.waitFor('Role:');
    await p.keys('Enter');
    await p.waitFor('question 1 of 5');
    await p.keys('C-c');
    expect(await p.exitCode()).toBe(130);
    const s = p.screen();
    expect(s).toContain('Cancelled: nothing was written.');
    expect(s).toContain('RESULT code=130 applyCalls=0');
  });

  test('a whole run: typed answer, preview in colour, y, summary; exit 0', async () => {
    const p = startPane({ COLOR: '1' });
    await p.waitFor('Role:');
    await p.keys('Enter');
    await p.waitFor('> mx1.example.com');
    await p.keys('BSpace', 'BSpace', 'BSpace');
    await p.text('net');
    await p.waitFor('> mx1.example.net');
    await p.keys('Enter', 'Enter', 'Enter', 'Enter');
    await p.waitFor('user name:');
    await p.text('bob');
    await p.waitFor('user name: bob');
    await p.keys('Enter');
    await p.text('pw');
    await p.waitFor('password: **');
    await p.keys('Enter');
    const summary = await p.waitFor('Apply these changes?');
    expect(summary).toContain('Parameters (old → new, $names expanded)');
    expect(summary).toContain('[s summary]');
    // The diff of main.cf is its own page, one key away.
    await p.keys('1');
    const preview = await p.waitFor('+myhostname = mx1.example.net');
    expect(preview).toContain('[1 main.cf]');
    expect(p.screen(true)).toContain('\u001b[32m+myhostname = mx1.example.net');
    await p.keys('y');
    expect(await p.exitCode()).toBe(0);
    const s = p.screen();
    expect(s).toContain('✓ Done: this host is now configured as Null client (null-client).');
    expect(s).toContain('Backup:  /var/backups/mailsetup/20240102T030405');
    expect(s).toContain('RESULT code=0 applyCalls=1');
  });

  test('a failed apply exits 1 and shows the rollback; no colour when color is false', async () => {
    const p = startPane({ COLOR: '0', OUTCOME: 'failure' });
    await p.waitFor('Role:');
    await p.keys('Enter');
    await p.waitFor('question 1 of 5');
    await p.keys('Enter', 'Enter', 'Enter', 'Enter', 'Enter');
    await p.waitFor('Apply these changes?');
    // No foreground colour (30–37, 90–97); tmux's own resets (39, 49) and bold are fine.
    expect(p.screen(true)).not.toMatch(/\u001b\[(?:\d+;)*(?:3[0-7]|9[0-7])m/);
    await p.keys('y');
    // Back at the preview with the failure; leaving now ends as the failed apply did.
    await p.waitFor('Apply failed');
    await p.waitFor('Apply these changes?');
    await p.keys('C-c');
    expect(await p.exitCode()).toBe(1);
    const s = p.screen();
    expect(s).toContain('✗ Apply failed: postfix check failed');
    expect(s).toContain('↺ Rolled back: the earlier files are back in place');
    expect(s).toContain('RESULT code=1 applyCalls=1');
  });
});
