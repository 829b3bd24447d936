/**
 * How the front (src/cli.ts) loads dist/run.cjs: compiled with V8's code cache when the build left
 * one beside it (dist/run.cjs.cache, made by scripts/build.mjs with the Node that built it). Node
 * 18 and 20 keep no compile cache of their own, and compiling run.cjs's ~1 MB is a fifth of a
 * --root apply's time before its `postfix check` can start; with the cache it takes a third.
 *
 * The cache is trusted as far as the code beside it: a regular file (no link followed), owned
 * by the owner of run.cjs, writable by nobody else, at most 64 MB; any other is not read (and
 * said so in the result, for the tests). It belongs to one build: the build ends run.cjs with a
 * line naming a random build id and starts the cache with the same id, and a cache of another
 * build is not used (V8 itself checks only the length of the source it was made for). V8 refuses
 * a cache made by another V8 or under other flags, and then compiles as usual: the cache only
 * ever saves time.
 *
 * run.cjs is run as Node's require() would run it (the same parameters, in require.cache, so that
 * dist/ui.js's require() of it finds this copy), with one more parameter: code compiled this way
 * cannot run import() on Node 18 and 20, so the front hands in its own (src/commands/loadUi.ts).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** The function run.cjs is wrapped in. scripts/build.mjs makes the cache for exactly this text. */
export const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname, __mailsetupImport) { ';
export const WRAPPER_TAIL = '\n})';
export const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** The last line of a bundle the build made a cache for: `//# mailsetupBuild=` and 32 hex digits. */
const BUILD_LINE = /\n\/\/# mailsetupBuild=([0-9a-f]{32})\n$/;

/** The first line of the cache file: the build id of the bundle it was made for. */
export function cacheHeader(buildId: string): Buffer {
  return Buffer.from(`mailsetup-code-cache ${buildId}\n`, 'latin1');
}

/**
 * What became of the cache: used, refused by V8, made for another build, not there, or not
 * trusted (not read).
 */
export type CacheUse = 'accepted' | 'rejected' | 'stale' | 'absent' | 'untrusted';

/** The cache file's bytes, when it is there and may be trusted as far as `code` (run.cjs's stat). */
export function trustedCache(cacheFile: string, code: Stats): Buffer | 'absent' | 'untrusted' {
  let fd: number;
  try {
    fd = openSync(cacheFile, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'untrusted';
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== code.uid || (st.mode & 0o022) !== 0 || st.size > MAX_CACHE_BYTES) return 'untrusted';
    return readFileSync(fd);
  } catch {
    return 'untrusted';
  } finally {
    closeSync(fd);
  }
}

/** Compile and run the CommonJS bundle `file` (its cache: `file`.cache); its exports, and what became of the cache. */
export function loadBundle(
  file: string,
  importFn: (specifier: string) => Promise<unknown>,
): { exports: unknown; cache: CacheUse } {
  const fd = openSync(file, 'r');
  let code: string;
  let st: Stats;
  try {
    st = fstatSync(fd);
    code = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const buildId = BUILD_LINE.exec(code)?.[1];
  let cached: Buffer | CacheUse = buildId === undefined ? 'absent' : trustedCache(`${file}.cache`, st);
  if (Buffer.isBuffer(cached)) {
    const header = cacheHeader(buildId as string);
    cached = cached.subarray(0, header.length).equals(header) ? cached.subarray(header.length) : 'stale';
  }
  const script = new Script(WRAPPER_HEAD + code + WRAPPER_TAIL, {
    filename: file,
    ...(Buffer.isBuffer(cached) ? { cachedData: cached } : {}),
  });
  const cache: CacheUse = Buffer.isBuffer(cached) ? (script.cachedDataRejected ? 'rejected' : 'accepted') : cached;
  const require = createRequire(file);
  const mod = new Module(file);
  mod.filename = file;
  require.cache[file] = mod;
  try {
    (script.runInThisContext() as (...args: unknown[]) => void).call(
      mod.exports,
      mod.exports,
      require,
      mod,
      file,
      dirname(file),
      importFn,
    );
  } catch (e) {
    delete require.cache[file];
    throw e;
  }
  mod.loaded = true;
  return { exports: mod.exports, cache };
}

/**
 * The cache file of `file` as loadBundle compiles it (compiled, not run), for a bundle that ends
 * with its build line (what scripts/build.mjs writes beside dist/run.cjs); null without that line.
 */
export function createCodeCache(file: string): Buffer | null {
  const code = readFileSync(file, 'utf8');
  const buildId = BUILD_LINE.exec(code)?.[1];
  if (buildId === undefined) return null;
  const data = new Script(WRAPPER_HEAD + code + WRAPPER_TAIL, { filename: file }).createCachedData();
  return Buffer.concat([cacheHeader(buildId), data]);
}
