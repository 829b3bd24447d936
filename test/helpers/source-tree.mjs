// The TypeScript sources compiled module by module, for the CLI tests' "source" runs
// (test/helpers/cli.ts): every src/**/*.ts(x) becomes .cache/source/src/**/*.js, compiled alone
// by esbuild (type stripping and the automatic JSX runtime, as tsconfig.json says; no bundling,
// every import left as written), so that `node .cache/source/src/cli.js` runs the sources' own
// module graph with plain Node: the `./x.js` imports of src/ name the compiled files. Beside src/
// are links to package.json (src/version.ts imports it; its "type": "module" makes the .js files
// ES modules) and templates/ (found from the module's own path, as from dist/).
//
// The libraries src/ imports (ink, react, execa, yaml, ...) come from node_modules, bundled: Node
// finds a bare `import 'ink'` of .cache/source/src/ in .cache/source/node_modules/ink/ before the
// repository's node_modules/, and there is one ES module that re-exports what Node's own import of
// the library exports, every library in one esbuild build with shared chunks (one React for Ink
// and src/). Loading ~250 files of node_modules one by one cost a dry run ~0.3 CPU-s of its ~0.7.
// The maps of src/'s modules are files beside them (.js.map), read only with --enable-source-maps:
// inline, Node parsed twice the text on every start.
//
// Compiled ahead of the runs instead of by a module hook on each start (test/helpers/ts-loader.mjs,
// which stays for running the sources by hand): a hook answers every import of every run across
// Node's loader thread, which cost each "source" run half a CPU-second more than the same modules
// precompiled.
//
// Rebuilt by the test setup (test/global-setup.ts) when a source or the installed libraries are
// newer than the tree: written to a directory of its own and swapped in, under a lock directory,
// so that two test runs on one checkout never see half a tree.
//
//   node test/helpers/source-tree.mjs   build it when stale; prints the entry point
import { build } from 'esbuild';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
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
  const inputs = ['src', 'package.json', 'package-lock.json', 'tsconfig.json', fileURLToPath(import.meta.url)];
  return Math.max(...inputs.map((p) => newest(p.startsWith('/') ? p : join(ROOT, p)))) > statSync(STAMP).mtimeMs;
}

function sources(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f))
    .sort();
}

/** The bare specifiers (`ink`, `react/jsx-runtime`, not `node:`) that the modules `entries` import. */
async function librariesOf(entries) {
  const found = new Set();
  await build({
    entryPoints: entries,
    bundle: true,
    write: false,
    outdir: join(ROOT, '.cache', 'unwritten'),
    format: 'esm',
    platform: 'node',
    jsx: 'automatic',
    logLevel: 'error',
    plugins: [
      {
        name: 'list-libraries',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.kind !== 'entry-point' && !args.path.startsWith('node:')) found.add(args.path);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return [...found].sort();
}

/**
 * Under `dir` (a node_modules/): for each library the modules `entries` import, a package whose
 * module re-exports what `import('library')` exports in Node (for a CommonJS library, the names
 * Node finds in it), bundled by esbuild from the repository's node_modules, the code shared
 * between libraries in chunks under dir/.chunks/.
 */
async function buildLibraries(entries, dir) {
  const libraries = await librariesOf(entries);
  const facade = new Map();
  for (const lib of libraries) {
    const mod = await import(lib);
    const names = Object.keys(mod).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
    const lines = [];
    if (names.length > 0) lines.push(`export { ${names.join(', ')} } from ${JSON.stringify(lib)};`);
    if ('default' in mod) lines.push(`export { default } from ${JSON.stringify(lib)};`);
    facade.set(lib, `${lines.join('\n')}\n`);
  }
  // A library's main module is index.js of its package, a subpath (react/jsx-runtime) the file of that name.
  const outName = (lib) => (packageOf(lib) === lib ? `${lib}/index` : lib);
  const result = await build({
    entryPoints: libraries.map((lib) => ({ in: `library:${lib}`, out: outName(lib) })),
    outdir: dir,
    bundle: true,
    splitting: true,
    chunkNames: '.chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    // Ink's devtools (loaded only with DEV=true) stays an import of a package that is not installed, as in node_modules.
    external: ['react-devtools-core'],
    absWorkingDir: ROOT,
    write: false,
    logLevel: 'error',
    plugins: [
      {
        name: 'library-facades',
        setup(b) {
          b.onResolve({ filter: /^library:/ }, (args) => ({
            path: args.path.slice('library:'.length),
            namespace: 'library',
          }));
          b.onLoad({ filter: /.*/, namespace: 'library' }, (args) => ({
            contents: facade.get(args.path),
            resolveDir: ROOT,
            loader: 'js',
          }));
        },
      },
    ],
  });
  // A CommonJS library bundled into an ES module calls require() for Node's modules (react's
  // scheduler, cross-spawn): esbuild's shim takes the module's `require` when there is one.
  const REQUIRE =
    "import { createRequire as __sourceTreeRequire } from 'node:module';\nconst require = __sourceTreeRequire(import.meta.url);\n";
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, REQUIRE + file.text);
  }
  const exportsOf = new Map();
  for (const lib of libraries) {
    const pkg = packageOf(lib);
    const sub = lib.slice(pkg.length);
    if (!exportsOf.has(pkg)) exportsOf.set(pkg, {});
    exportsOf.get(pkg)[sub ? `.${sub}` : '.'] = sub ? `.${sub}.js` : './index.js';
  }
  for (const [pkg, exports] of exportsOf) {
    mkdirSync(join(dir, pkg), { recursive: true });
    writeFileSync(
      join(dir, pkg, 'package.json'),
      `${JSON.stringify({ name: pkg, type: 'module', exports }, null, 2)}\n`,
    );
  }
}

/** The package a bare specifier names: `react` of `react/jsx-runtime`, `@scope/name` of `@scope/name/x`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return parts.slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
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
    sourcemap: 'linked',
    logLevel: 'error',
  });
  await buildLibraries(sources(src), join(temp, 'node_modules'));
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
