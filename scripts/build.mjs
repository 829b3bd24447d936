// Bundles src/ and its runtime libraries into dist/ with esbuild:
//   dist/cli.cjs   the command line's front, one CommonJS file: --help and --version answer from it,
//                  and a fresh box's first frame is drawn from it;
//   dist/run.cjs   every mode and what it uses but the Ink UI, one CommonJS file (and the public
//                  module's code, as its export `config`);
//   dist/ui.js     the Ink UI (React, Ink, yoga; its wasm is dist/yoga.wasm.br), an ES module that
//                  only the wizard loads;
//   dist/config.js the public `mailsetup/config` module (ES module), the exports of run.cjs's
//                  `config`; dist/config.d.ts and the declarations it names come from tsc.
// Target: Node 18.19. The published package has no runtime dependencies: every import or require
// left in dist/ is a Node builtin or one of these files (test/package/package.test.ts checks this).
//
// The build is written to a temporary directory and swapped in, so that a process running the
// old dist/ never sees a half-written one. The esbuild metafile goes to .cache/build-meta.json
// (not shipped) for the packaging tests, which use it to see which sources each file holds.
//
//   node scripts/build.mjs             build
//   node scripts/build.mjs --if-stale  build only when a source is newer than dist/ (tests, bench)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const metaPath = join(root, '.cache', 'build-meta.json');

/** Newest modification time (ms) of a file, or of every file under a directory. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

/** dist/ is missing, or older than a source, the lock file, these scripts or the tsconfigs. */
function stale() {
  const built = join(dist, 'cli.cjs');
  if (!existsSync(built) || !existsSync(join(dist, 'config.d.ts')) || !existsSync(metaPath)) return true;
  const inputs = [
    'src',
    'package.json',
    'package-lock.json',
    'scripts/build.mjs',
    'scripts/ansi-diff.mjs',
    'tsconfig.json',
    'tsconfig.decl.json',
  ];
  const newestInput = Math.max(...inputs.map((p) => newest(join(root, p))));
  return newestInput > statSync(built).mtimeMs;
}

/**
 * One build at a time (test files and the bench build in parallel): a lock directory holding the
 * builder's pid. A lock whose process is gone is taken over. Returns the release function.
 */
function lock() {
  const dir = join(root, '.cache', 'build.lock');
  mkdirSync(dirname(dir), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    } catch {
      // Just created, pid not written yet; or left behind by a build killed at that instant.
      if (Date.now() - statSync(dir, { throwIfNoEntry: false })?.mtimeMs > 30_000)
        rmSync(dir, { recursive: true, force: true });
    }
    if (holder > 0 && !alive(holder)) rmSync(dir, { recursive: true, force: true });
    if (Date.now() > deadline)
      throw new Error(`build: ${dir} is held by pid ${holder || '?'} for 3 minutes; remove it if no build runs`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

const ifStale = process.argv.includes('--if-stale');
if (ifStale && !stale()) process.exit(0);
const unlock = lock();
process.on('exit', unlock);
// Another process may have built while this one waited.
if (ifStale && !stale()) process.exit(0);

/** The function src/codeCache.ts wraps dist/run.cjs in (the same text, or V8 refuses the cache). */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname, __mailsetupImport) { ';
const WRAPPER_TAIL = '\n})';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * esbuild plugin:
 * - package.json: src/version.ts imports it for the version; inline only that, not the whole
 *   manifest (its devDependencies and scripts have no business in the bundle).
 * - Ink's devtools.js (loaded only when DEV=true) pulls in react-devtools-core and `ws`, which are
 *   not shipped. It is replaced by a module that fails the way a missing package does, so Ink prints
 *   its own "react-devtools-core is not installed" hint and carries on; no bare import is left.
 */
const trimPlugin = {
  name: 'mailsetup-trim',
  setup(b) {
    b.onResolve({ filter: /package\.json$/ }, (args) =>
      join(args.resolveDir, args.path) === join(root, 'package.json')
        ? { path: 'package.json', namespace: 'mailsetup-pkg' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'mailsetup-pkg' }, () => ({
      contents: JSON.stringify({ name: pkg.name, version: pkg.version }),
      loader: 'json',
    }));
    b.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]ink[\\/]/.test(args.importer)
        ? { path: 'ink-devtools', namespace: 'mailsetup-stub' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'mailsetup-stub' }, () => ({
      contents:
        'const e = new Error("Cannot find package \'react-devtools-core\': mailsetup does not ship React DevTools");\n' +
        "e.code = 'ERR_MODULE_NOT_FOUND';\nthrow e;\n",
      loader: 'js',
    }));
  },
};

/**
 * esbuild plugin: yoga-layout's Emscripten loader carries its wasm (72 kB) in the JavaScript as a
 * base64 data: URL, and fetches it with fetch() whenever fetch exists; on Node that loads undici
 * (and tls, http2) just to decode base64, about 100 ms before the first frame. Its synchronous path
 * does the same work, decoding with atob() and copying the bytes one by one in JavaScript, the
 * first time that code runs (interpreted). Here the wasm is a file of its own instead,
 * dist/yoga.wasm.br (brotli), read with readFileSync and decompressed when dist/ui.js starts: no
 * fetch, no base64, and 14 kB less in the tarball.
 */
const YOGA_DATA = 'H="data:application/octet-stream;base64,';
const YOGA_FETCH = 'return w||"function"!=typeof fetch?Promise.resolve().then(function(){return wa()})';
const YOGA_DECODE =
  'var b=xa(a.slice(37)),c=new Uint8Array(b.length);for(a=0;a<b.length;++a)c[a]=b.charCodeAt(a);var d=c}' +
  'catch(f){throw Error("Converting base64 string to bytes failed.");}';
/** The wasm's bytes, taken from the loader by yogaPlugin; written next to the chunk that holds the loader. */
let yogaWasm = null;
const yogaPlugin = {
  name: 'mailsetup-yoga-wasm-file',
  setup(b) {
    b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      for (const needle of [YOGA_DATA, YOGA_FETCH, YOGA_DECODE]) {
        if (text.split(needle).length !== 2) {
          throw new Error(
            `${args.path}: the wasm loader changed (not one "${needle}"); update yogaPlugin in scripts/build.mjs`,
          );
        }
      }
      const start = text.indexOf(YOGA_DATA) + YOGA_DATA.length;
      const end = text.indexOf('"', start);
      const base64 = text.slice(start, end);
      if (!/^[A-Za-z0-9+/]+=*$/.test(base64)) throw new Error(`${args.path}: the wasm data: URL is not base64`);
      yogaWasm = Buffer.from(base64, 'base64');
      if (yogaWasm.subarray(0, 4).toString('latin1') !== '\0asm') throw new Error(`${args.path}: the data is not wasm`);
      return {
        contents:
          "import { readFileSync as __yogaReadFileSync } from 'node:fs';\n" +
          "import { brotliDecompressSync as __yogaBrotli } from 'node:zlib';\n" +
          (text.slice(0, start) + text.slice(end))
            .replace(YOGA_FETCH, 'return !0?Promise.resolve().then(function(){return wa()})')
            .replace(
              YOGA_DECODE,
              "var d=__yogaBrotli(__yogaReadFileSync(new URL('./yoga.wasm.br',import.meta.url)))}" +
                'catch(f){throw Error("cannot read yoga.wasm.br beside dist/ui.js: "+f.message);}',
            ),
        loader: 'js',
      };
    });
  },
};

/**
 * esbuild plugin: Ink's output library (@alcalzone/ansi-tokenize) gets its diffAnsiCodes through
 * scripts/ansi-diff.mjs, which answers at once when two characters have the same style (see
 * there; the answers are the library's). The library's own modules import it as './diff.js'.
 */
const ANSI_TOKENIZE = /[\\/]node_modules[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]/;
const ansiDiffPlugin = {
  name: 'mailsetup-ansi-diff',
  setup(b) {
    b.onResolve({ filter: /^\.\/diff\.js$/ }, (args) =>
      ANSI_TOKENIZE.test(args.importer)
        ? { path: join(args.resolveDir, 'diff.js'), namespace: 'mailsetup-ansi-diff' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'mailsetup-ansi-diff' }, (args) => {
      if (!readFileSync(args.path, 'utf8').includes('export function diffAnsiCodes(from, to)')) {
        throw new Error(
          `${args.path}: no diffAnsiCodes(from, to) any more; update ansiDiffPlugin in scripts/build.mjs`,
        );
      }
      return {
        contents:
          `import { diffAnsiCodes as full } from ${JSON.stringify(args.path)};\n` +
          `import { withSameStyleShortcut } from ${JSON.stringify(join(root, 'scripts', 'ansi-diff.mjs'))};\n` +
          'export const diffAnsiCodes = withSameStyleShortcut(full);\n',
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/**
 * esbuild plugin for the UI build: a module of src/ outside src/ui/ (the text helpers, the
 * styles, the preview) is not bundled again but taken from dist/run.cjs's `shared` export (the
 * run build adds it for every module recorded in `shared`, src path → export names). Node has
 * dist/run.cjs loaded already when the wizard imports dist/ui.js: require() returns that copy.
 */
function sharedPlugin(shared) {
  return {
    name: 'mailsetup-ui-shared',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.namespace !== 'file' || !args.importer.startsWith(join(root, 'src', 'ui'))) return undefined;
        const target = join(args.resolveDir, args.path).replace(/\.js$/, '.ts');
        const rel = target.slice(root.length + 1);
        if (!rel.startsWith('src/') || rel.startsWith('src/ui/') || !existsSync(target)) return undefined;
        return { path: rel, namespace: 'mailsetup-shared' };
      });
      b.onLoad({ filter: /.*/, namespace: 'mailsetup-shared' }, async (args) => {
        if (!shared.has(args.path)) {
          const r = await build({
            absWorkingDir: root,
            entryPoints: [args.path],
            bundle: false,
            format: 'esm',
            write: false,
            metafile: true,
            outdir: 'out',
            logLevel: 'error',
          });
          shared.set(
            args.path,
            Object.values(r.metafile.outputs).flatMap((o) => o.exports ?? []),
          );
        }
        const names = shared.get(args.path);
        return {
          contents:
            "import { createRequire } from 'node:module';\n" +
            `const shared = createRequire(import.meta.url)('./run.cjs').shared[${JSON.stringify(args.path)}];\n` +
            (names.length > 0 ? `export const { ${names.join(', ')} } = shared;\n` : ''),
          loader: 'js',
        };
      });
    },
  };
}

/**
 * The training runs of the code cache: dist/run.cjs run as the front runs it (`script`, the same
 * wrapper), then, for each role, a whole `--answers A --yes --root S --no-probes` apply in a
 * throw-away sandbox S (Debian's master.cf and aliases, no main.cf), as the bench applies: the
 * host's facts, the plan, the preview, the private copy and its check, the writes and the builds.
 * Nothing outside S is written. A run that fails (no Postfix here, not root) still trains what
 * it ran. Returns what each role's run came to, for .cache/build-meta.json (the tests read it).
 */
const TRAINING = {
  'null-client':
    'role: null-client\nmyhostname: host.example.com\nrelayhost: "[smtp.example.net]"\npostmaster: admin@example.net\n',
  'mail-server':
    'role: mail-server\nmyhostname: mail.example.com\npostmaster: admin@example.com\nmynetworks: [127.0.0.0/8]\n',
  'backup-mx':
    'role: backup-mx\nmyhostname: mx2.example.org\npostmaster: admin@example.org\nmynetworks: [127.0.0.0/8]\n' +
    'relay_domains: [example.com]\nrelay_recipients: [user1@example.com]\nproxy_interfaces: [203.0.113.7]\n',
  'firewall-relay':
    'role: firewall-relay\nmyhostname: gw.example.com\npostmaster: admin@example.com\nmynetworks: [127.0.0.0/8]\n' +
    'relay_domains: [example.com]\nrelay_recipients: [user1@example.com]\ntransport:\n  example.com: "relay:[inside.example.com]"\n',
};
let codeCacheTraining = null;
async function trainCodeCache(script, file) {
  const mod = { exports: {} };
  script
    .runInThisContext()
    .call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file), (s) => import(s));
  const runs = {};
  for (const [role, answers] of Object.entries(TRAINING)) {
    const sandbox = mkdtempSync(join(tmpdir(), 'mailsetup-build-training-'));
    try {
      mkdirSync(join(sandbox, 'etc', 'postfix'), { recursive: true });
      copyFileSync(join(root, 'templates', 'master.cf'), join(sandbox, 'etc', 'postfix', 'master.cf'));
      copyFileSync(join(root, 'templates', 'aliases'), join(sandbox, 'etc', 'aliases'));
      writeFileSync(join(sandbox, 'answers.yaml'), answers);
      const quiet = { out: () => undefined, err: () => undefined };
      // The options src/cli.ts makes of `--answers FILE --yes --root DIR --no-probes --no-color`.
      const opts = {
        answers: join(sandbox, 'answers.yaml'),
        yes: true,
        dryRun: false,
        check: false,
        root: sandbox,
        rollback: false,
        listBackups: false,
        forget: false,
        verify: false,
        onlyLast: false,
        json: false,
        color: false,
        unicode: true,
        freshStart: false,
        allQuestions: false,
        noProbes: true,
      };
      const term = {
        stdinIsTty: false,
        stdoutIsTty: false,
        dumb: false,
        isRoot: process.getuid?.() === 0,
        io: quiet,
        argv: [],
      };
      runs[role] = `exit ${await mod.exports.run(opts, term)}`;
    } catch (e) {
      runs[role] = `failed: ${String(e?.message ?? e).split('\n')[0]}`;
    } finally {
      rmSync(sandbox, { recursive: true, force: true });
    }
  }
  return runs;
}

const tmpName = `dist.tmp-${process.pid}/`;
const tmp = join(root, tmpName);
rmSync(tmp, { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  outdir: tmp,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node18.19',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Whitespace and syntax only: identifiers stay, so a stack trace from a user still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  banner: {
    js: "import { createRequire as __mailsetupCreateRequire } from 'node:module'; const require = __mailsetupCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
};

/** In the cli build, `./commands/index.js` is dist/run.cjs, the other build's file (loaded with require()). */
const runExternal = {
  name: 'mailsetup-run-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/index\.js$/ }, (args) =>
      args.importer === join(root, 'src', 'cli.ts') ? { path: './run.cjs', external: true } : undefined,
    );
  },
};

/** In the run build, the Ink UI (src/ui/render.tsx) is dist/ui.js, the UI build's file (loaded with import()). */
const uiExternal = {
  name: 'mailsetup-ui-external',
  setup(b) {
    b.onResolve({ filter: /(^|\/)ui\/render\.js$/ }, (args) =>
      join(args.resolveDir, args.path) === join(root, 'src', 'ui', 'render.js')
        ? { path: './ui.js', external: true }
        : undefined,
    );
  },
};

/**
 * Ink guesses from CI/CI_* whether it runs in CI and then draws only the final frame. mailsetup
 * decides itself (src/commands/index.ts) and starts the Ink wizard only on a terminal a person
 * types on, so Ink's guess is replaced by that decision: never CI mode. The environment is left
 * as it is for every program mailsetup runs.
 */
const isInCiPlugin = {
  name: 'mailsetup-is-in-ci',
  setup(b) {
    b.onResolve({ filter: /^is-in-ci$/ }, () => ({ path: 'is-in-ci', namespace: 'mailsetup-decided' }));
    b.onLoad({ filter: /.*/, namespace: 'mailsetup-decided' }, () => ({
      contents: 'export default false;',
      loader: 'js',
    }));
  },
};

try {
  // dist/cli.cjs on its own: --version and --help load this one file, not even esbuild's helpers.
  // CommonJS, loaded by bin/mailsetup.cjs with require(): Node starts a CommonJS program a few ms
  // sooner than an ES module (it need not set up its loader for ES modules first), and a fresh
  // box's first frame is drawn from it before anything else loads. It loads dist/run.cjs.
  const cli = await build({
    ...common,
    format: 'cjs',
    banner: {},
    outExtension: { '.js': '.cjs' },
    entryPoints: { cli: 'src/cli.ts' },
    plugins: [trimPlugin, runExternal],
  });
  // dist/ui.js: the Ink UI (React, Ink, yoga's wasm, the screens), an ES module of its own (yoga's
  // loader awaits its wasm at the top level), loaded by the wizard only. The modules it shares
  // with the modes (src/ outside src/ui/: text, styles, the preview) it takes from dist/run.cjs,
  // which has loaded before it: one copy of each (sharedPlugin).
  const shared = new Map();
  const ui = await build({
    ...common,
    entryPoints: { ui: 'src/ui/render.tsx' },
    plugins: [sharedPlugin(shared), trimPlugin, yogaPlugin, isInCiPlugin, ansiDiffPlugin],
  });
  // dist/run.cjs: every mode and everything they use but the Ink UI, in one CommonJS file, with
  // the public module's exports beside (as `config`). One file because Node loads it at a third of
  // the cost of the same code as ES modules split in chunks (43 files on an apply's path: 110 ms
  // against 30 here, most of it the ES module loader's work per file); the modules that a mode
  // does not need are compiled, not run (esbuild runs a module imported with import() only then).
  const runBuild = await build({
    ...common,
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    stdin: {
      contents:
        "export * from './src/commands/index.ts';\nexport * as config from './src/config.ts';\n" +
        [...shared.keys()].map((src, i) => `import * as shared${i} from './${src}';\n`).join('') +
        `export const shared = { ${[...shared.keys()].map((src, i) => `${JSON.stringify(src)}: shared${i}`).join(', ')} };\n`,
      resolveDir: root,
      sourcefile: 'mailsetup-run.ts',
      loader: 'ts',
    },
    outfile: join(tmp, 'run.cjs'),
    outdir: undefined,
    // import.meta.url, as ES modules have it (src/system/templates.ts finds templates/ with it).
    define: { ...common.define, 'import.meta.url': '__mailsetupImportMetaUrl' },
    banner: { js: "const __mailsetupImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [trimPlugin, isInCiPlugin, uiExternal],
  });
  // dist/config.js, the public `mailsetup/config` module: the exports of dist/run.cjs's `config`
  // (one copy of the code: its classes are the ones the modes use).
  const configNames = await build({
    ...common,
    entryPoints: { config: 'src/config.ts' },
    write: false,
    banner: {},
    metafile: true,
  }).then((r) =>
    Object.values(r.metafile.outputs)
      .flatMap((o) => o.exports ?? [])
      .sort(),
  );
  if (configNames.length < 20) throw new Error(`src/config.ts exports only ${configNames.join(', ')}?`);
  writeFileSync(
    join(tmp, 'config.js'),
    '// mailsetup/config: the public config-file layer (src/config.ts), from the bundle dist/run.cjs.\n' +
      "import { createRequire } from 'node:module';\n" +
      "const { config } = createRequire(import.meta.url)('./run.cjs');\n" +
      `export const { ${configNames.join(', ')} } = config;\n`,
  );

  const runOut = runBuild.metafile.outputs[`${tmpName}run.cjs`];
  const uiOut = ui.metafile.outputs[`${tmpName}ui.js`];
  const cliOut = cli.metafile.outputs[`${tmpName}cli.cjs`];
  if (!runOut || !uiOut || !cliOut) throw new Error('the build wrote no dist/run.cjs, dist/ui.js or dist/cli.cjs');
  const result = {
    metafile: {
      outputs: {
        ...cli.metafile.outputs,
        ...runBuild.metafile.outputs,
        ...ui.metafile.outputs,
        [`${tmpName}config.js`]: {
          bytes: 0,
          inputs: {},
          imports: [{ path: `${tmpName}run.cjs`, kind: 'require-call' }],
        },
      },
    },
  };
  for (const [file, out] of [
    ['dist/cli.cjs', cliOut],
    ['dist/run.cjs', runOut],
    ['dist/ui.js', uiOut],
  ]) {
    // A value imported from cli.ts would run its main() a second time.
    if (file !== 'dist/cli.cjs' && 'src/cli.ts' in out.inputs)
      throw new Error(`${file} bundles src/cli.ts: import only types from cli.ts outside it`);
    for (const imp of out.imports) {
      if (!imp.external) throw new Error(`${file} imports ${imp.path}: it must stay one file`);
    }
  }
  const inkGraph = /node_modules[\\/](ink|react|react-reconciler|yoga-layout)[\\/]|^src\/ui\/render\.tsx$/;
  const leaked = Object.keys(runOut.inputs).filter((i) => inkGraph.test(i));
  if (leaked.length > 0)
    throw new Error(`dist/run.cjs holds the Ink UI (${leaked.join(', ')}): it belongs in dist/ui.js`);
  // dist/run.cjs is compiled by the front with the code cache (src/codeCache.ts), where import()
  // cannot run: the UI comes through src/commands/loadUi.ts, builtins through require().
  const dynamic = runOut.imports.filter((i) => i.kind === 'dynamic-import' && i.path !== './ui.js');
  if (dynamic.length > 0)
    throw new Error(`dist/run.cjs has import() of ${dynamic.map((i) => i.path).join(', ')}: use require()`);
  // Its code cache, made with this Node for the text src/codeCache.ts compiles (WRAPPER_*), bound
  // to this build by a random id (the bundle's last line, the cache's first): the front uses it
  // when run with the same Node (V8 refuses it otherwise). Not in the tarball (package.json
  // "files"): the Node that runs an installed package is not known here. Made after training
  // runs (trainCodeCache): the cache then holds the functions they compiled too, not only the
  // top-level code (an apply's check started ~80 ms sooner with it in a test on this machine).
  const buildId = randomBytes(16).toString('hex');
  const runText = `${readFileSync(join(tmp, 'run.cjs'), 'utf8')}\n//# mailsetupBuild=${buildId}\n`;
  // ASCII only (esbuild escapes every other character, but not in a regular expression's
  // literal): one character beyond it makes V8 hold the whole ~1 MB source as two-byte text,
  // read twice as slowly (5.6 against 2.9 ms here) and compiled a little more slowly.
  const wide = /[^\x00-\x7f]/.exec(runText);
  if (wide !== null) {
    const around = runText.slice(Math.max(0, wide.index - 60), wide.index + 20);
    const escape = `\\u${wide[0].codePointAt(0).toString(16).padStart(4, '0')}`;
    throw new Error(
      `dist/run.cjs holds ${JSON.stringify(wide[0])} (in ${JSON.stringify(around)}): write ${escape} in the source`,
    );
  }
  writeFileSync(join(tmp, 'run.cjs'), runText);
  const script = new Script(WRAPPER_HEAD + runText + WRAPPER_TAIL, { filename: join(dist, 'run.cjs') });
  codeCacheTraining = await trainCodeCache(script, join(tmp, 'run.cjs'));
  writeFileSync(
    join(tmp, 'run.cjs.cache'),
    Buffer.concat([Buffer.from(`mailsetup-code-cache ${buildId}\n`, 'latin1'), script.createCachedData()]),
  );
  chmodSync(join(tmp, 'run.cjs.cache'), 0o644); // the front reads it only when no one else may write it
  // yoga's wasm beside dist/ui.js, which reads it (yogaPlugin).
  if (yogaWasm === null || !Object.keys(uiOut.inputs).some((i) => i.endsWith('yoga-wasm-base64-esm.js')))
    throw new Error("yoga's wasm loader is not in dist/ui.js");
  // Brotli-compressed (72 kB → 25 kB): 4 kB less in the tarball than the plain wasm gzipped by npm;
  // decompressed in ~1 ms when the UI loads, behind the plain first frame.
  writeFileSync(
    join(tmp, 'yoga.wasm.br'),
    brotliCompressSync(yogaWasm, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }),
  );

  // Type declarations for the public module (tsc, declarations only).
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (existsSync(tsc)) {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.decl.json', '--outDir', tmp], { cwd: root, stdio: 'inherit' });
  }

  const old = join(root, `dist.old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(tmp, dist);
  rmSync(old, { recursive: true, force: true });

  // Output paths relative to the package root as they are now (dist/…, not the temporary name).
  const outputs = {};
  for (const [file, out] of Object.entries(result.metafile.outputs)) {
    outputs[file.replace(tmpName, 'dist/').replace(`${tmp}/`, 'dist/')] = {
      bytes: out.bytes,
      inputs: Object.keys(out.inputs),
      imports: out.imports.map((i) => ({ ...i, path: i.path.replace(tmpName, 'dist/').replace(`${tmp}/`, 'dist/') })),
    };
  }
  mkdirSync(dirname(metaPath), { recursive: true });
  writeFileSync(metaPath, `${JSON.stringify({ outputs, codeCacheTraining }, null, 1)}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
