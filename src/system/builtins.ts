/**
 * Node builtins loaded on first use, not with the modules that use them: crypto (temporary
 * names, certificates, the backup's digests), tls (its root certificates), dns (a resolver reading
 * resolv.conf), readline; loading them with the bundle cost the wizard's first frame about 15 ms
 * (crypto alone, loaded by the host facts' modules, ~3 ms of an apply before its check starts).
 * Each is loaded with require(), not import(): dist/run.cjs is compiled by the front with V8's
 * code cache (src/codeCache.ts), and code compiled that way cannot run import() on the Node
 * releases mailsetup supports.
 */
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

export function nodeCrypto(): typeof import('node:crypto') {
  return requireBuiltin('node:crypto') as typeof import('node:crypto');
}

export function nodeTls(): typeof import('node:tls') {
  return requireBuiltin('node:tls') as typeof import('node:tls');
}

export function nodeDns(): typeof import('node:dns') {
  return requireBuiltin('node:dns') as typeof import('node:dns');
}

export function nodeReadline(): typeof import('node:readline') {
  return requireBuiltin('node:readline') as typeof import('node:readline');
}

export function nodeReadlinePromises(): typeof import('node:readline/promises') {
  return requireBuiltin('node:readline/promises') as typeof import('node:readline/promises');
}
