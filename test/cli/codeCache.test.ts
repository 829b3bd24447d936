/**
 * The front's loader of dist/run.cjs (src/codeCache.ts): V8's code cache used when V8 takes it,
 * compiled as usual when V8 refuses it, not read at all when it could have been written by anyone
 * but the owner of the code; and the one the build writes is the one this Node takes.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCodeCache, loadBundle } from '../../src/codeCache.js';
import { ensureBuilt, ROOT } from '../helpers/cli.js';
import { IS_ROOT } from '../helpers/needs.js';
import { POSTFIX_AVAILABLE } from '../helpers/postfix.js';

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mailsetup-codecache-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let made = 0;
/**
 * A small CommonJS bundle in a fresh directory (mode 0644), ending with a build line as the
 * build's does (`buildId`), and its path. Each text is new to this process: V8 keeps what it
 * compiled in memory and would not even look at a cache for a text it has seen.
 */
function bundle(text: string, buildId = 'a'.repeat(32)): string {
  const file = join(freshDir(), 'run.cjs');
  writeFileSync(file, `${text}// ${process.pid}-${made++}\n//# mailsetupBuild=${buildId}\n`);
  chmodSync(file, 0o644);
  return file;
}

/** createCodeCache's cache of `file`, written beside it (mode 0644). */
function cacheFor(file: string, from = file): void {
  const cache = createCodeCache(from);
  if (cache === null) throw new Error(`${from} has no build line`);
  writeFileSync(`${file}.cache`, cache);
  chmodSync(`${file}.cache`, 0o644);
}

const MODULE =
  "const os = require('node:os');\n" +
  'module.exports = { sum: 1 + 2, os: typeof os.cpus, file: __filename, ' +
  "ui: () => __mailsetupImport('./ui.js') };\n";

const noImport = () => Promise.reject(new Error('no import expected'));

describe('loadBundle (src/codeCache.ts)', () => {
  it('runs the file as require() would, and takes a cache made for it', () => {
    const first = bundle(MODULE);
    expect(loadBundle(first, noImport).cache).toBe('absent');
    const file = bundle(MODULE);
    cacheFor(file);
    const r = loadBundle(file, noImport);
    expect(r.cache).toBe('accepted');
    const exports = r.exports as { sum: number; os: string; file: string };
    expect([exports.sum, exports.os, exports.file]).toEqual([3, 'function', file]);
    // In require.cache: a later require() of the file (dist/ui.js's) gets this very copy.
    expect(createRequire(file)(file)).toBe(r.exports);
  });

  it('hands import() to the function the front gives (code compiled so cannot run its own)', async () => {
    const file = bundle(MODULE);
    const asked: string[] = [];
    const r = loadBundle(file, (s) => {
      asked.push(s);
      return Promise.resolve({ ok: true });
    });
    await expect((r.exports as { ui: () => Promise<unknown> }).ui()).resolves.toEqual({ ok: true });
    expect(asked).toEqual(['./ui.js']);
  });

  it('compiles as usual with a cache of another build, or one V8 refuses', () => {
    // Another build's cache (another id): not used, even for a text of the same length.
    const file = bundle(MODULE);
    cacheFor(file, bundle(MODULE, 'b'.repeat(32)));
    let r = loadBundle(file, noImport);
    expect(r.cache).toBe('stale');
    expect((r.exports as { sum: number }).sum).toBe(3);
    // This build's id, and bytes V8 does not take (made for another text, or not a cache at all).
    const header = Buffer.from(`mailsetup-code-cache ${'a'.repeat(32)}\n`, 'latin1');
    const other = bundle('module.exports = 42;\n');
    for (const data of [(createCodeCache(other) as Buffer).subarray(header.length), Buffer.from('not a code cache')]) {
      const again = bundle(MODULE);
      writeFileSync(`${again}.cache`, Buffer.concat([header, data]));
      chmodSync(`${again}.cache`, 0o644);
      r = loadBundle(again, noImport);
      expect(r.cache).toBe('rejected');
      expect((r.exports as { sum: number }).sum).toBe(3);
    }
    // A bundle without a build line has no cache to look for.
    const plain = join(freshDir(), 'run.cjs');
    writeFileSync(plain, 'module.exports = 7;\n');
    expect(createCodeCache(plain)).toBeNull();
    expect(loadBundle(plain, noImport)).toEqual({ exports: 7, cache: 'absent' });
  });

  it('does not read a cache others may write, or a link', () => {
    for (const mode of [0o664, 0o646, 0o666]) {
      const file = bundle(MODULE);
      cacheFor(file);
      chmodSync(`${file}.cache`, mode);
      const r = loadBundle(file, noImport);
      expect(r.cache, mode.toString(8)).toBe('untrusted');
      expect((r.exports as { sum: number }).sum).toBe(3);
    }
    const file = bundle(MODULE);
    const elsewhere = join(freshDir(), 'run.cjs');
    cacheFor(elsewhere, file);
    symlinkSync(`${elsewhere}.cache`, `${file}.cache`);
    expect(loadBundle(file, noImport).cache).toBe('untrusted');
  });

  it.skipIf(!IS_ROOT)('does not read a cache owned by another user than the code', () => {
    const file = bundle(MODULE);
    cacheFor(file);
    chownSync(`${file}.cache`, 65534, 65534);
    expect(loadBundle(file, noImport).cache).toBe('untrusted');
    const same = bundle(MODULE);
    cacheFor(same);
    chownSync(`${same}.cache`, 0, 0);
    expect(loadBundle(same, noImport).cache).toBe('accepted');
  });

  it("takes the build's dist/run.cjs.cache on this Node (a plain node, as the front runs)", () => {
    ensureBuilt();
    const cache = statSync(join(ROOT, 'dist', 'run.cjs.cache'));
    expect(cache.mode & 0o777).toBe(0o644);
    expect(cache.uid).toBe(statSync(join(ROOT, 'dist', 'run.cjs')).uid);
    // A child without vitest's flags: V8 takes a cache only under the flags it was made with.
    const script = join(freshDir(), 'load.ts');
    writeFileSync(
      script,
      `import { loadBundle } from ${JSON.stringify(join(ROOT, 'src', 'codeCache.ts'))};\n` +
        `const r = loadBundle(${JSON.stringify(join(ROOT, 'dist', 'run.cjs'))}, (s) => import(s));\n` +
        'console.log(JSON.stringify({ cache: r.cache, run: typeof r.exports.run, config: typeof r.exports.config.MainCf }));\n',
    );
    const r = spawnSync(process.execPath, ['--import', join(ROOT, 'test', 'helpers', 'ts-loader.mjs'), script], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ cache: 'accepted', run: 'function', config: 'function' });
    // Made after the training runs (scripts/build.mjs): an apply of each role in a throw-away
    // sandbox; each went through where Postfix is installed and the build runs as root.
    const meta = JSON.parse(readFileSync(join(ROOT, '.cache', 'build-meta.json'), 'utf8')) as {
      codeCacheTraining: Record<string, string>;
    };
    expect(Object.keys(meta.codeCacheTraining)).toEqual(['null-client', 'mail-server', 'backup-mx', 'firewall-relay']);
    if (IS_ROOT && POSTFIX_AVAILABLE) {
      for (const [role, outcome] of Object.entries(meta.codeCacheTraining)) expect(outcome, role).toBe('exit 0');
    }
    // The build made it for the same text the loader compiles.
    const build = readFileSync(join(ROOT, 'scripts', 'build.mjs'), 'utf8');
    const source = readFileSync(join(ROOT, 'src', 'codeCache.ts'), 'utf8');
    for (const name of ['WRAPPER_HEAD', 'WRAPPER_TAIL']) {
      const value = (text: string) => text.match(new RegExp(`const ${name} = ('[^']*');`))?.[1];
      expect(value(build), name).toBeDefined();
      expect(value(build), name).toBe(value(source));
    }
  });
});
