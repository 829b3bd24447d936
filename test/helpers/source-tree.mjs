// The TypeScript sources compiled module by module, for the CLI tests' "source" runs
// (test/helpers/cli.ts): every src/**/*.ts(x) becomes .cache/source/src/**/*.js, compiled alone
// by esbuild (type stripping and the automatic JSX runtime, as tsconfig.json says; no bundling,
// every import left as written), so that `node .cache/source/src/cli.js` runs the sources' own
// module graph with plain Node: the `./x.js` imports of src/ name the compiled files, the
// libraries come from node_modules. Beside src/ are links to package.json (src/version.ts imports
// it; its "type": "module" makes the .js files ES modules) and templates/ (found from the
// module's own path, as from dist/).
//
// Compiled ahead of the runs instead of by a module hook on each start (test/helpers/ts-loader.mjs,
// which stays for running the sources by hand): a hook answers every import of every run across
// Node's loader thread, which cost each "source" run half a CPU-second more than the same modules
// precompiled.
//
// Rebuilt by the test setup (test/global-setup.ts) when a source is newer than the tree: written
// to a directory of its own and swapped in, under a lock directory, so that two test runs on one
// checkout never see half a tree.
//
//   node test/helpers/source-tree.mjs   build it when stale; prints the entry point
import { build } from 'esbuild';
import { existsSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDirLock } from './dirLock.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SOURCE_TREE = join(ROOT, '.cache', 'source');
/** The entry point of a "source" run. */
export const SOURCE_CLI = join(SOURCE_TREE, 'src', 'cli.js');
const STAMP = join(SOURCE_TREE, '.built');

/** Newest modification time (ms) of a file, or of every file under a directory. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs; // a removed file changes its directory's time
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

function stale() {
  if (!existsSync(STAMP) || !existsSync(SOURCE_CLI)) return true;
  const inputs = ['src', 'package.json', 'tsconfig.json', fileURLToPath(import.meta.url)];
  return Math.max(...inputs.map((p) => newest(p.startsWith('/') ? p : join(ROOT, p)))) > statSync(STAMP).mtimeMs;
}

function sources(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f))
    .sort();
}

/** Build the tree when a source is newer than it; returns whether it was built. */
export async function ensureSourceTree() {
  if (!stale()) return false;
  const started = Date.now();
  const temp = `${SOURCE_TREE}.tmp-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  const src = join(ROOT, 'src');
  await build({
    entryPoints: sources(src),
    outdir: join(temp, 'src'),
    outbase: src,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    jsx: 'automatic',
    sourcemap: 'inline',
    logLevel: 'error',
  });
  symlinkSync(relative(temp, join(ROOT, 'package.json')), join(temp, 'package.json'));
  symlinkSync(relative(temp, join(ROOT, 'templates')), join(temp, 'templates'));
  // Dated when the build started: a source saved during the build makes the tree stale again.
  writeFileSync(join(temp, '.built'), '');
  utimesSync(join(temp, '.built'), new Date(started), new Date(started));
  withDirLock(join(ROOT, '.cache', 'source.lock'), () => {
    const old = `${SOURCE_TREE}.old-${process.pid}`;
    if (existsSync(SOURCE_TREE)) renameSync(SOURCE_TREE, old);
    renameSync(temp, SOURCE_TREE);
    rmSync(old, { recursive: true, force: true });
  });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await ensureSourceTree();
  process.stdout.write(`${relative(process.cwd(), SOURCE_CLI)}\n`);
}
