/**
 * The published package: what `npm pack` ships and how big it is, that it installs with an empty
 * cache and --offline (nothing fetched: no runtime dependencies), that the bundle imports nothing
 * but Node builtins and its own files, that --version and --help load no UI code, and that the
 * bundle runs on Node 18.19 (the floor: Ubuntu 24.04's nodejs) as well as on this Node: the
 * non-interactive modes, and the wizard's first frame in a real terminal (tmux), with and without
 * Ink's optional React DevTools (DEV=true).
 *
 * Node 18.19 is .cache/node18/ (scripts/fetch-node18.mjs fetches it from the npm registry). With
 * MAILSETUP_REQUIRE_NODE18=1 (CI) this file fetches it first when it is not there yet, and fails
 * when it cannot; without, the Node 18 tests run when it is there and are skipped loudly when not.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants as fsConstants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { builtinModules, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipLoudly } from '../helpers/needs.js';
import { debianPath } from '../helpers/reference.js';
import { shellQuote as sh } from '../helpers/shell.js';
import { killTmuxServer } from '../helpers/tmuxSocket.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'mailsetup.cjs');
const NODE18 = join(ROOT, '.cache', 'node18', 'package', 'bin', 'node');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license?: string;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  files?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bundleDependencies?: unknown;
  bundledDependencies?: unknown;
};

const REQUIRE_NODE18 = process.env.MAILSETUP_REQUIRE_NODE18 === '1';
const FETCH_NODE18 = join(ROOT, 'scripts', 'fetch-node18.mjs');

/** The environment of a fetch from the npm registry: with the machine's CA bundle (test/setup-env.ts). */
function fetchEnv(): NodeJS.ProcessEnv {
  const ca = process.env.MAILSETUP_TEST_EXTRA_CA_CERTS;
  return ca === undefined ? process.env : { ...process.env, NODE_EXTRA_CA_CERTS: ca };
}

/** Asked for (CI) and not there yet: fetch it, once; later runs find it in .cache/. */
function fetchNode18(): string {
  if (!REQUIRE_NODE18 || existsSync(NODE18)) return '';
  const r = spawnSync(process.execPath, [FETCH_NODE18], { encoding: 'utf8', timeout: 600_000, env: fetchEnv() });
  return `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}`.trim();
}
const FETCHED = fetchNode18();

function probeNode18(): string | null {
  if (!existsSync(NODE18)) return null;
  const r = spawnSync(NODE18, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
const NODE18_VERSION = probeNode18();

/**
 * Ubuntu 22.04's nodejs (12.22.9), for the too-old-Node message: .cache/node12/, fetched like
 * Node 18 (`node scripts/fetch-node18.mjs 12.22.9`; with MAILSETUP_REQUIRE_NODE18=1 here).
 */
const NODE12 = join(ROOT, '.cache', 'node12', 'package', 'bin', 'node');
function node12(): string | null {
  if (REQUIRE_NODE18 && !existsSync(NODE12)) {
    const r = spawnSync(process.execPath, [FETCH_NODE18, '12.22.9'], {
      encoding: 'utf8',
      timeout: 600_000,
      env: fetchEnv(),
    });
    if (r.status !== 0) throw new Error(`MAILSETUP_REQUIRE_NODE18=1 but Node 12 could not be fetched: ${r.stderr}`);
  }
  if (!existsSync(NODE12)) return null;
  const r = spawnSync(NODE12, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
const NODE12_VERSION = node12();
if (!NODE12_VERSION) {
  skipLoudly(
    'the too-old-Node test (Node 12)',
    `${relative(ROOT, NODE12)} is missing or does not run`,
    '`node scripts/fetch-node18.mjs 12.22.9` fetches it once (MAILSETUP_REQUIRE_NODE18=1, as in CI, does that too)',
  );
}
const TMUX = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;

if (!NODE18_VERSION) {
  if (REQUIRE_NODE18) {
    throw new Error(`MAILSETUP_REQUIRE_NODE18=1 but ${NODE18} is missing or does not run: ${FETCHED}`);
  }
  skipLoudly(
    'the Node 18.19 runtime tests',
    `${relative(ROOT, NODE18)} is missing or does not run`,
    '`node scripts/fetch-node18.mjs` fetches it once (MAILSETUP_REQUIRE_NODE18=1, as in CI, does that too)',
  );
}
if (!TMUX) {
  if (REQUIRE_NODE18)
    throw new Error(
      'MAILSETUP_REQUIRE_NODE18=1 but tmux is not installed (apt-get install tmux): the first-frame tests need it',
    );
  skipLoudly('the first-frame (tmux) tests', 'tmux is not installed', 'apt-get install tmux to run them');
}

/** Answers for each role: myhostname and the role's required keys. */
const ANSWERS: Record<string, { yaml: string; myhostname: string }> = {
  'null-client': {
    myhostname: 'host.example.com',
    yaml: 'role: null-client\nmyhostname: host.example.com\nrelayhost: "[smtp.example.net]"\npostmaster: admin@example.net\n',
  },
  'mail-server': {
    myhostname: 'mail.example.com',
    yaml: 'role: mail-server\nmyhostname: mail.example.com\npostmaster: admin@example.com\nmynetworks: [127.0.0.0/8, 10.0.0.0/24]\n',
  },
  'backup-mx': {
    myhostname: 'mx2.example.org',
    yaml:
      'role: backup-mx\nmyhostname: mx2.example.org\npostmaster: admin@example.org\nmynetworks: [127.0.0.0/8]\n' +
      'relay_domains: [example.com]\nrelay_recipients: [user1@example.com]\nproxy_interfaces: [203.0.113.7]\n',
  },
  'firewall-relay': {
    myhostname: 'gw.example.com',
    yaml:
      'role: firewall-relay\nmyhostname: gw.example.com\npostmaster: admin@example.com\nmynetworks: [127.0.0.0/8, 10.1.0.0/16]\n' +
      'relay_domains: [example.com]\nrelay_recipients: [user1@example.com]\ntransport:\n  example.com: "relay:[inside.example.com]"\n',
  },
};
const ROLES = Object.keys(ANSWERS);

const work = mkdtempSync(join(tmpdir(), 'mailsetup-package-'));
let serial = 0;

/** A fresh directory under this file's temporary directory. */
function freshDir(name: string): string {
  const dir = join(work, `${name}-${serial++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A --root sandbox as a "No configuration" Debian install leaves it: master.cf and aliases, no main.cf. */
function sandbox(): string {
  const dir = freshDir('root');
  mkdirSync(join(dir, 'etc', 'postfix'), { recursive: true });
  cpSync(debianPath('master.cf'), join(dir, 'etc', 'postfix', 'master.cf'));
  cpSync(debianPath('aliases'), join(dir, 'etc', 'aliases'));
  return dir;
}

/** Every path under `dir` with a hash of its contents (directories as "dir"). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        out[relative(dir, p)] = 'dir';
        walk(p);
      } else {
        out[relative(dir, p)] = `${st.mode.toString(8)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
      }
    }
  };
  walk(dir);
  return out;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a run: no colour switches, no NODE_PATH, no NODE_OPTIONS (nothing that could find packages). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'NODE_PATH', 'NODE_OPTIONS', 'DEV']) if (!(k in extra)) delete env[k];
  return env;
}

function run(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Run {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    cwd: opts.cwd ?? work,
    env: cleanEnv(opts.env),
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---------------------------------------------------------------------------------------------
// The loader hook that records every module Node loads: ES modules through the ESM `load` hook
// (Node >= 18.19 and 20.6), CommonJS files (bin/mailsetup.cjs, dist/cli.cjs) as require() compiles
// them, and dist/run.cjs as the front compiles it (a vm.Script, src/codeCache.ts). loadedUnder()
// lists a file once; the raw log has a line per compile.

const HOOK_DIR = join(work, 'load-hook');
mkdirSync(HOOK_DIR, { recursive: true });
writeFileSync(
  join(HOOK_DIR, 'hooks.mjs'),
  "import { appendFileSync } from 'node:fs';\nlet log = '';\nexport function initialize(data) { log = data.log; }\n" +
    'export async function load(url, context, nextLoad) {\n  appendFileSync(log, `${url}\\n`);\n  return nextLoad(url, context);\n}\n',
);
writeFileSync(
  join(HOOK_DIR, 'register.mjs'),
  "import Module, { register } from 'node:module';\nimport { appendFileSync } from 'node:fs';\n" +
    "import { pathToFileURL } from 'node:url';\n" +
    'const log = process.env.MAILSETUP_LOAD_LOG;\n' +
    "register('./hooks.mjs', { parentURL: import.meta.url, data: { log } });\n" +
    'const compile = Module.prototype._compile;\n' +
    'Module.prototype._compile = function (content, filename) {\n' +
    '  appendFileSync(log, `${pathToFileURL(filename).href}\\n`);\n' +
    '  return compile.call(this, content, filename);\n};\n' +
    "const vm = Module.createRequire(import.meta.url)('node:vm');\n" +
    'const Script = vm.Script;\n' +
    'vm.Script = class extends Script {\n' +
    '  constructor(code, options) {\n' +
    '    if (options && options.filename) appendFileSync(log, `${pathToFileURL(options.filename).href}\\n`);\n' +
    '    super(code, options);\n  }\n};\n',
);
const HOOK = pathToFileURL(join(HOOK_DIR, 'register.mjs')).href;

/** Node arguments and environment that log every loaded module's URL to the returned file. */
function withLoadLog(): { args: string[]; env: Record<string, string>; read: () => string[] } {
  const log = join(freshDir('loadlog'), 'loaded.txt');
  writeFileSync(log, '');
  return {
    args: ['--import', HOOK],
    env: { MAILSETUP_LOAD_LOG: log },
    read: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
  };
}

/** The built outputs (dist/…, from scripts/build.mjs's metafile) and the sources in each. */
interface BuildMeta {
  outputs: Record<
    string,
    { bytes: number; inputs: string[]; imports: Array<{ path: string; kind: string; external?: boolean }> }
  >;
}
function buildMeta(): BuildMeta {
  return JSON.parse(readFileSync(join(ROOT, '.cache', 'build-meta.json'), 'utf8')) as BuildMeta;
}

/**
 * Inputs that make an output "UI code": Ink, React, its reconciler, yoga, src/ui; not the plain
 * role frame's text (src/ui/roleFrame.ts and its layout.ts: strings, no Ink), which the front
 * (dist/cli.cjs) draws a fresh box's first frame with.
 */
const UI_INPUT =
  /(^|\/)node_modules\/(ink|react|react-reconciler|yoga-layout|@inkjs\/ui)\/|^src\/ui\/(?!(roleFrame|layout)\.ts$)/;

/** dist/… paths of the outputs that hold UI code. */
function uiOutputs(): string[] {
  return Object.entries(buildMeta().outputs)
    .filter(([, o]) => o.inputs.some((i) => UI_INPUT.test(i)))
    .map(([f]) => f);
}

/** dist/… paths (relative to `base`) of the loaded file: URLs under base. */
function loadedUnder(urls: string[], base: string): string[] {
  return [...new Set(urls)]
    .filter((u) => u.startsWith('file:'))
    .map((u) => fileURLToPath(u))
    .filter((p) => p.startsWith(`${base}/`))
    .map((p) => relative(base, p));
}

// ---------------------------------------------------------------------------------------------

/**
 * Start the wizard in a fresh tmux server (its own socket) and wait, bounded, until the role list
 * shows (and every text of `also`). Returns the screen. The server is killed afterwards whatever
 * happens. The role list shows first as the plain first frame, before Ink has loaded; a text only
 * Ink draws (the host's "Postfix: " line) waits for Ink.
 */
function firstFrame(shellCommand: string, timeoutMs = 30_000, also: string[] = []): string {
  const socket = `mailsetup-pkgtest-${process.pid}-${serial++}`;
  const conf = join(work, 'tmux.conf');
  // Keep the pane when the program exits, so that a crash can be read instead of vanishing.
  writeFileSync(conf, 'set -g remain-on-exit on\n');
  const tmux = (args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  try {
    const s = tmux(['-f', conf, 'new-session', '-d', '-x', '120', '-y', '40', shellCommand]);
    if (s.status !== 0) throw new Error(`tmux new-session: ${s.stderr}`);
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = tmux(['capture-pane', '-p']).stdout ?? '';
      if (['Null client', ...also].every((t) => screen.includes(t))) return screen;
      if (/Pane is dead/.test(screen)) break;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
    throw new Error(`the role list did not show within ${timeoutMs} ms; the screen:\n${screen}`);
  } finally {
    killTmuxServer(socket);
  }
}

// ---------------------------------------------------------------------------------------------

beforeAll(() => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(`node scripts/build.mjs --if-stale failed (${r.status}):\n${r.stdout}${r.stderr}`);
}, 240_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('package.json and the bundle', () => {
  it('has no runtime dependencies of any kind, and says where it runs', () => {
    expect(PKG.dependencies).toBeUndefined();
    expect(PKG.optionalDependencies).toBeUndefined();
    expect(PKG.peerDependencies).toBeUndefined();
    expect(PKG.bundleDependencies).toBeUndefined();
    expect(PKG.bundledDependencies).toBeUndefined();
    expect(PKG.engines).toEqual({ node: '>=18.19' });
    expect(PKG.bin).toEqual({ mailsetup: 'bin/mailsetup.cjs' });
    // dist/run.cjs.cache (V8's code cache, src/codeCache.ts) stays out: it fits only the Node that built it.
    expect(PKG.files).toEqual(['bin/', 'dist/', '!dist/run.cjs.cache', 'templates/', 'README.md', 'LICENSE']);
    expect(PKG.license).toBe('MIT');
  });

  it('ships an MIT LICENSE', () => {
    const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(text.split('\n')[0]).toBe('MIT License');
    expect(text).toContain('\nCopyright (c) 2026 the mailsetup authors\n');
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  it('imports nothing but Node builtins and its own files from dist/', () => {
    const builtins = new Set(builtinModules);
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.js') || p.endsWith('.cjs')) files.push(p);
      }
    };
    walk(join(ROOT, 'dist'));
    expect(files.map((f) => relative(ROOT, f))).toContain('dist/cli.cjs');
    const bad: string[] = [];
    let seen = 0;
    for (const file of files) {
      const code = readFileSync(file, 'utf8');
      // Static imports/exports, side-effect imports, dynamic imports with a literal, and
      // esbuild's __require("x") for the CommonJS libraries, require("x") in dist/cli.cjs.
      const re = /(?<![\w$."'])(?:from\s*|import\s*\(\s*|import\s*|(?:__)?require\(\s*)(["'])([\w@./:-]+)\1/g;
      for (const m of code.matchAll(re)) {
        const spec = m[2];
        seen++;
        if (spec.startsWith('node:')) {
          if (!builtins.has(spec.slice(5))) bad.push(`${relative(ROOT, file)}: ${spec} (no such builtin)`);
        } else if (spec.startsWith('./') || spec.startsWith('../')) {
          const target = resolve(join(file, '..'), spec);
          if (!target.startsWith(join(ROOT, 'dist')) || !existsSync(target))
            bad.push(`${relative(ROOT, file)}: ${spec} (not a file in dist/)`);
        } else if (!builtins.has(spec)) {
          bad.push(`${relative(ROOT, file)}: ${spec}`);
        }
      }
    }
    expect(seen).toBeGreaterThan(20);
    expect(bad).toEqual([]);
  });

  it('keeps dist/cli.cjs free of library code, every mode in dist/run.cjs and the UI in dist/ui.js', () => {
    const meta = buildMeta();
    const cli = meta.outputs['dist/cli.cjs'];
    expect(cli).toBeDefined();
    expect(cli.inputs.filter((i) => i.includes('node_modules'))).toEqual([]);
    // Builtins, nothing else: dist/run.cjs (the modes) is read and compiled by src/codeCache.ts;
    // the import() of it and of node:tty and node:util is the branch for the sources run as ES modules.
    expect([...new Set(cli.imports.map((i) => `${i.kind} ${i.path}`))].sort()).toEqual([
      'dynamic-import ./run.cjs',
      'dynamic-import node:tty',
      'dynamic-import node:util',
      'require-call node:fs',
      'require-call node:module',
      'require-call node:path',
      'require-call node:tty',
      'require-call node:util',
      'require-call node:vm',
    ]);
    // The front holds the first frame's module (for a fresh box), not the system layer or the parsers.
    expect(cli.inputs).toContain('src/commands/wizard/firstFrame.ts');
    expect(cli.inputs.filter((i) => /^src\/(postfix|system|plan\/plan)/.test(i))).toEqual([]);
    // dist/run.cjs: every mode, the system layer, the planner, execa, yaml: one file, no Ink.
    const run = meta.outputs['dist/run.cjs'];
    for (const input of [
      'src/commands/index.ts',
      'src/commands/apply/index.ts',
      'src/commands/wizard/index.ts',
      'src/commands/verify/index.ts',
      'src/system/realEffects.ts',
      'src/plan/plan.ts',
      'src/config.ts',
    ])
      expect(run.inputs).toContain(input);
    expect(run.inputs.some((i) => i.includes('node_modules/execa/'))).toBe(true);
    expect(run.inputs.some((i) => i.includes('node_modules/yaml/'))).toBe(true);
    // Its only import(): the UI, the fallback of src/commands/loadUi.ts (the front hands in its own).
    expect(run.imports.filter((i) => i.kind === 'dynamic-import' || !isBuiltin(i.path))).toEqual([
      { path: './ui.js', kind: 'dynamic-import', external: true },
    ]);
    expect(uiOutputs()).toEqual(['dist/ui.js']);
    expect(meta.outputs['dist/ui.js'].inputs).toContain('src/ui/render.tsx');
    // The public module is dist/run.cjs's `config`: one copy of the code.
    expect(meta.outputs['dist/config.js'].imports.map((i) => i.path)).toEqual(['dist/run.cjs']);
    // Ink's React DevTools hook is a stub, not react-devtools-core and its `ws` (not shipped).
    const all = Object.values(meta.outputs).flatMap((o) => o.inputs);
    expect(all.filter((i) => /node_modules\/(ws|react-devtools-core)\//.test(i))).toEqual([]);
  });

  it("draws Ink's frames with the same-style shortcut of scripts/ansi-diff.mjs (test/house/ansiDiff.test.ts)", () => {
    const { outputs } = buildMeta();
    const withTokenizer = Object.entries(outputs).filter(([, o]) =>
      o.inputs.some((i) => i.includes('node_modules/@alcalzone/ansi-tokenize/')),
    );
    expect(withTokenizer.length).toBeGreaterThan(0);
    for (const [file, o] of withTokenizer) expect(o.inputs, file).toContain('scripts/ansi-diff.mjs');
  });
});

describe('the tarball', () => {
  let tgz = '';
  let packed: { size: number; unpackedSize: number; files: Array<{ path: string }> } | undefined;
  let prefix = '';
  let install: Run | undefined;
  let cache = '';

  beforeAll(() => {
    const dest = freshDir('pack');
    // --ignore-scripts: dist/ is built (beforeAll above); `prepare` would rebuild it under other tests.
    const p = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: ROOT });
    if (p.status !== 0) throw new Error(`npm pack failed: ${p.stderr}`);
    packed = (JSON.parse(p.stdout) as Array<typeof packed>)[0];
    tgz = join(dest, readdirSync(dest).find((f) => f.endsWith('.tgz')) ?? 'missing.tgz');
    prefix = freshDir('prefix');
    cache = freshDir('empty-npm-cache');
    install = run('npm', [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--cache',
      cache,
      '--offline',
      '--no-audit',
      '--no-fund',
      '--json',
      tgz,
    ]);
  }, 240_000);

  it('holds only bin/, dist/, templates/, README.md, LICENSE and package.json', () => {
    const paths = packed!.files.map((f) => f.path).sort();
    const tops = [...new Set(paths.map((p) => (p.includes('/') ? `${p.split('/')[0]}/` : p)))].sort();
    expect(tops).toEqual(['LICENSE', 'README.md', 'bin/', 'dist/', 'package.json', 'templates/']);
    for (const f of [
      'bin/mailsetup.cjs',
      'dist/cli.cjs',
      'dist/run.cjs',
      'dist/ui.js',
      'dist/yoga.wasm.br',
      'dist/config.js',
      'dist/config.d.ts',
      'templates/main.cf',
      'templates/master.cf',
      'templates/aliases',
      'templates/rsyslog-postfix.conf',
    ]) {
      expect(paths).toContain(f);
    }
    expect(paths.filter((p) => /\.(map|ts)$/.test(p) && !p.endsWith('.d.ts'))).toEqual([]);
    // The build's code cache stays out (the build left one, so its absence is the "files" rule's doing).
    expect(existsSync(join(ROOT, 'dist', 'run.cjs.cache'))).toBe(true);
    expect(paths.filter((p) => p.endsWith('.cache'))).toEqual([]);
  });

  // The budget was 400 kB for the four roles; TLS (issue 17) and the documents' recipes (issue 16)
  // added about 36 kB of mailsetup's own code, compressed. Identifiers stay unminified on purpose
  // (scripts/build.mjs: a reported stack trace must read), so the budget grew instead.
  it('is at most 450 kB', () => {
    expect(packed!.size).toBeGreaterThan(50_000);
    expect(packed!.size).toBeLessThanOrEqual(450_000);
  });

  it('installs with an empty cache and --offline: nothing is fetched, one package is added', () => {
    expect(install!.stderr).not.toMatch(/ERR!/);
    expect(install!.status).toBe(0);
    expect((JSON.parse(install!.stdout) as { added: number }).added).toBe(1);
    const installed = join(prefix, 'lib', 'node_modules', 'mailsetup');
    expect(existsSync(join(installed, 'node_modules'))).toBe(false);
    expect(readdirSync(join(prefix, 'lib', 'node_modules'))).toEqual(['mailsetup']);
  });

  it('runs from the install: <prefix>/bin/mailsetup --version', () => {
    const r = run(join(prefix, 'bin', 'mailsetup'), ['--version']);
    expect(r).toEqual({ status: 0, stdout: `${PKG.version}\n`, stderr: '' });
  });

  it.skipIf(!NODE12_VERSION)(
    "on Node 12 (Ubuntu 22.04's nodejs): one line that says how to get a newer Node, exit 2",
    () => {
      const line =
        `mailsetup needs Node.js 18.19 or newer and this is ${NODE12_VERSION ?? ''}: install Node 20 with ` +
        '`sudo npm install -g node@20` and run mailsetup again (see "Node.js" in the README)\n';
      for (const args of [['--version'], ['--answers', '/nonexistent.yaml', '--yes'], []]) {
        const r = run(NODE12, [join(prefix, 'lib', 'node_modules', 'mailsetup', 'bin', 'mailsetup.cjs'), ...args]);
        expect(r).toEqual({ status: 2, stdout: '', stderr: line });
      }
    },
  );

  it('serves `mailsetup/config` through its exports map, on this Node and on Node 18.19', () => {
    const consumer = freshDir('consumer');
    mkdirSync(join(consumer, 'node_modules'));
    symlinkSync(join(prefix, 'lib', 'node_modules', 'mailsetup'), join(consumer, 'node_modules', 'mailsetup'));
    writeFileSync(
      join(consumer, 'use.mjs'),
      "import { MainCf, validateHostname } from 'mailsetup/config';\n" +
        "validateHostname('mail.example.com');\n" +
        "process.stdout.write(MainCf.parse('# c\\nrelayhost = a\\n    b\\n').set('relayhost', '[smtp.example.net]:587').set('biff', 'no').toString());\n",
    );
    const expected = '# c\nrelayhost = [smtp.example.net]:587\nbiff = no\n';
    for (const node of NODE18_VERSION ? [process.execPath, NODE18] : [process.execPath]) {
      expect(run(node, [join(consumer, 'use.mjs')], { cwd: consumer })).toEqual({
        status: 0,
        stdout: expected,
        stderr: '',
      });
    }
  });

  it.skipIf(!NODE18_VERSION)(
    'runs a dry run from the install under Node 18.19 (templates found, no package needed)',
    () => {
      const root = sandbox();
      const answers = join(freshDir('answers'), 'a.yaml');
      writeFileSync(answers, ANSWERS['null-client'].yaml);
      const before = snapshot(root);
      const r = run(NODE18, [
        join(prefix, 'lib', 'node_modules', 'mailsetup', 'bin', 'mailsetup.cjs'),
        '--dry-run',
        '--no-color',
        '--root',
        root,
        '--answers',
        answers,
      ]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe('Plan for role null-client');
      expect(r.stdout).toContain('\n+myhostname = host.example.com\n');
      expect(snapshot(root)).toEqual(before);
    },
  );

  it.skipIf(!NODE18_VERSION || !TMUX)(
    'draws the wizard from the install under Node 18.19 in tmux, and loads the UI chunk only then',
    () => {
      const root = sandbox();
      const installed = join(prefix, 'lib', 'node_modules', 'mailsetup');
      const hook = withLoadLog();
      const env = Object.entries(hook.env)
        .map(([k, v]) => `${k}=${sh(v)}`)
        .join(' ');
      const screen = firstFrame(
        `exec env ${env} ${sh(NODE18)} ${hook.args.map(sh).join(' ')} ${sh(join(installed, 'bin', 'mailsetup.cjs'))} --root ${sh(root)}`,
        30_000,
        ['Postfix: '],
      );
      expect(screen).toContain('Which role should this host play?');
      for (const role of ['Null client', 'Domain mail server', 'Backup MX', 'Firewall / gateway relay'])
        expect(screen).toContain(role);
      expect(screen).not.toMatch(/Error|Warning|fetch/);
      // The positive control for the --version/--help test below: the hook does see the UI chunk.
      const loaded = loadedUnder(hook.read(), installed);
      const ui = uiOutputs();
      expect(loaded.filter((f) => ui.includes(f)).length).toBeGreaterThan(0);
      // …Ink's own file among them.
      const [render] = Object.keys(buildMeta().outputs).filter((f) =>
        buildMeta().outputs[f].inputs.includes('src/ui/render.tsx'),
      );
      expect(loaded).toContain(render);
      // dist/run.cjs compiled once: the UI's require() of it found the front's copy.
      expect(hook.read().filter((u) => u.endsWith('/dist/run.cjs'))).toHaveLength(1);
    },
  );
});

const RUNTIMES = [
  { name: `this Node (${process.version})`, node: process.execPath, skip: false },
  { name: `Node 18.19 (${NODE18_VERSION ?? 'missing'})`, node: NODE18, skip: !NODE18_VERSION },
];

describe.each(RUNTIMES)('the bundle on $name', ({ node, skip }) => {
  it.skipIf(skip)('is the Node it claims to be', () => {
    const v = run(node, ['--version']).stdout.trim();
    if (node === NODE18) expect(v).toMatch(/^v18\.19\.\d+$/);
    else expect(v).toBe(process.version);
  });

  it.skipIf(skip)('--version prints the version and loads only bin/mailsetup.cjs (and package.json)', () => {
    const hook = withLoadLog();
    const r = run(node, [...hook.args, BIN, '--version'], { env: hook.env });
    expect(r).toEqual({ status: 0, stdout: `${PKG.version}\n`, stderr: '' });
    // (package.json is read as JSON, which the load log does not list: the bundle is not loaded.)
    expect(loadedUnder(hook.read(), ROOT)).toEqual(['bin/mailsetup.cjs']);
    const short = run(node, [BIN, '-v']);
    expect(short).toEqual({ status: 0, stdout: `${PKG.version}\n`, stderr: '' });
  });

  it.skipIf(skip)('--version into a full non-blocking pipe: waits for room (no EAGAIN, no stack trace)', async () => {
    // A FIFO whose write side is non-blocking and full: the descriptor write fails with EAGAIN
    // and bin/mailsetup.cjs hands the text to process.stdout, which waits until it is read. (A
    // child's standard output is made blocking by the spawn: perl, which Debian always has, sets
    // O_NONBLOCK on it again and runs node in its place, as a parent that is not Node may leave it.)
    const fifo = join(freshDir('fifo'), 'out');
    execFileSync('mkfifo', [fifo]);
    const rd = openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const wr = openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    const block = Buffer.alloc(4096, 'x');
    let filled = 0;
    for (;;) {
      try {
        filled += writeSync(wr, block);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        break;
      }
    }
    const nonBlocking =
      'use Fcntl; fcntl(STDOUT, F_SETFL, fcntl(STDOUT, F_GETFL, 0) | O_NONBLOCK) or die $!; exec @ARGV';
    const child = spawn('perl', ['-e', nonBlocking, node, BIN, '--version'], { stdio: ['ignore', wr, 'pipe'] });
    closeSync(wr);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    await new Promise((res) => setTimeout(res, 300)); // the child meets the full pipe
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(65536);
    for (let idle = 0; idle < 200;) {
      let n = 0;
      try {
        n = readSync(rd, buf);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
      if (n > 0) chunks.push(Buffer.from(buf.subarray(0, n)));
      else if (n === 0 && child.exitCode !== null)
        break; // end of file: the child is gone
      else {
        idle++;
        await new Promise((res) => setTimeout(res, 20));
      }
    }
    closeSync(rd);
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    const out = Buffer.concat(chunks).toString();
    expect(out.length).toBe(filled + `${PKG.version}\n`.length);
    expect(out.endsWith(`x${PKG.version}\n`)).toBe(true);
  });

  it.skipIf(skip)('--help prints the usage and loads only bin/mailsetup.cjs and dist/cli.cjs', () => {
    const hook = withLoadLog();
    const r = run(node, [...hook.args, BIN, '--help'], { env: hook.env });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe(`mailsetup ${PKG.version}: configure Postfix for a standard role`);
    expect(r.stdout).toContain('\nUsage: mailsetup [options]\n');
    expect(r.stdout).toContain('\n  --dry-run ');
    const loaded = loadedUnder(hook.read(), ROOT);
    expect(loaded).toEqual(['bin/mailsetup.cjs', 'dist/cli.cjs']);
    expect(loaded.filter((f) => uiOutputs().includes(f))).toEqual([]);
    // Same text on every runtime.
    expect(r.stdout).toBe(run(process.execPath, [BIN, '--help']).stdout);
  });

  it.skipIf(skip)('rejects an unknown flag with exit 2 and a pointer to --help', () => {
    const r = run(node, [BIN, '--bogus']);
    expect(r).toEqual({
      status: 2,
      stdout: '',
      stderr: "mailsetup: Unknown option '--bogus'\nTry 'mailsetup --help'.\n",
    });
  });

  it.skipIf(skip)(
    '--dry-run --root --answers plans every role, writes nothing and loads no UI code',
    () => {
      for (const role of ROLES) {
        const root = sandbox();
        const answers = join(freshDir('answers'), `${role}.yaml`);
        writeFileSync(answers, ANSWERS[role].yaml);
        const before = snapshot(root);
        const hook = withLoadLog();
        const r = run(node, [...hook.args, BIN, '--dry-run', '--no-color', '--root', root, '--answers', answers], {
          env: hook.env,
        });
        expect(r.stderr, role).toBe('');
        expect(r.status, role).toBe(0);
        expect(r.stdout.split('\n')[0]).toBe(`Plan for role ${role}`);
        expect(r.stdout).toContain(`\n+myhostname = ${ANSWERS[role].myhostname}\n`);
        expect(r.stdout).toContain('\nCommands to run, in order\n');
        expect(snapshot(root), role).toEqual(before);
        const loaded = loadedUnder(hook.read(), ROOT);
        expect(loaded).toContain('dist/run.cjs');
        expect(
          loaded.filter((f) => uiOutputs().includes(f)),
          role,
        ).toEqual([]);
        if (node !== process.execPath) {
          // The same plan, byte for byte, as on this Node (same sandbox contents, same host).
          const again = run(process.execPath, [BIN, '--dry-run', '--no-color', '--root', root, '--answers', answers]);
          expect(r.stdout, role).toBe(again.stdout);
        }
      }
    },
    180_000,
  );

  it.skipIf(skip || !TMUX)(
    "draws the wizard in a real terminal (tmux), also with DEV=true (Ink's optional React DevTools)",
    () => {
      const root = sandbox();
      const screen = firstFrame(`exec ${sh(node)} ${sh(BIN)} --root ${sh(root)}`);
      expect(screen).toContain('Which role should this host play?');
      expect(screen).toContain('Firewall / gateway relay');
      expect(screen).not.toMatch(/Error|Warning/);
      // DEV=true makes Ink import its devtools module; the bundle has a stub there that fails like a
      // missing react-devtools-core, so Ink prints its hint and draws as usual.
      const dev = firstFrame(`exec env DEV=true ${sh(node)} ${sh(BIN)} --root ${sh(root)}`, 30_000, [
        'react-devtools-core',
      ]);
      expect(dev).toContain('react-devtools-core');
      expect(dev).toContain('Which role should this host play?');
      expect(dev).toContain('Null client');
    },
    120_000,
  );
});
