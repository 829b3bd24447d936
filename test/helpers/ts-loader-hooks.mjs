// The module hooks behind ts-loader.mjs (they run on Node's loader thread).
//
// Compiled modules are kept in .cache/ts-loader/, one file per (source text, path, options,
// esbuild and Node version): the CLI tests start the sources a few hundred times, and compiling
// every module with esbuild on each start cost most of a "source" run's CPU. A changed source
// has another key, so a stale entry is never used; esbuild itself is loaded only on a miss.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE = fileURLToPath(new URL('../../.cache/ts-loader/', import.meta.url));
const require = createRequire(import.meta.url);
const ESBUILD_VERSION = JSON.parse(readFileSync(require.resolve('esbuild/package.json'), 'utf8')).version;

/** `./x.js` → `./x.ts` or `./x.tsx` when the .js file does not exist but the TypeScript one does. */
export async function resolve(specifier, context, next) {
  if (/^\.{1,2}\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
    const js = new URL(specifier, context.parentURL);
    if (!existsSync(fileURLToPath(js))) {
      for (const ext of ['.ts', '.tsx']) {
        const candidate = new URL(js.href.replace(/\.js$/, ext));
        if (existsSync(fileURLToPath(candidate))) return next(candidate.href, context);
      }
    }
  }
  return next(specifier, context);
}

/** Compile .ts and .tsx files to ESM JavaScript (from the cache when this exact text was compiled before). */
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !/\.tsx?$/.test(url)) return next(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, 'utf8');
  const options = {
    loader: path.endsWith('.tsx') ? 'tsx' : 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    jsx: 'automatic',
    sourcemap: 'inline',
    sourcefile: path,
  };
  const key = createHash('sha256')
    .update(JSON.stringify([ESBUILD_VERSION, options]))
    .update('\0')
    .update(source)
    .digest('hex');
  const cached = join(CACHE, `${key}.js`);
  try {
    return { format: 'module', source: await readFile(cached, 'utf8'), shortCircuit: true };
  } catch {
    // not compiled yet
  }
  const { transform } = await import('esbuild');
  const out = await transform(source, options);
  try {
    // Written under a name of its own, then renamed: a concurrent start reads a whole file or none.
    await mkdir(CACHE, { recursive: true });
    const temp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    await writeFile(temp, out.code);
    await rename(temp, cached);
  } catch {
    // a cache that cannot be written only costs the next start a compile
  }
  return { format: 'module', source: out.code, shortCircuit: true };
}
