/**
 * The Ink UI module (src/ui/render.tsx; dist/ui.js in the bundle), for the wizard.
 *
 * In the bundle, dist/run.cjs is compiled by the front with V8's code cache (src/codeCache.ts),
 * and code compiled that way cannot run import() on the Node releases mailsetup supports: the
 * front hands in its own import() as `__mailsetupImport` (a parameter of the function that wraps
 * run.cjs). Anywhere else (run.cjs loaded with require(), the sources run as ES modules) it is a
 * plain import().
 */
declare const __mailsetupImport: ((specifier: string) => Promise<unknown>) | undefined;

type Ui = typeof import('../ui/render.js');

export function loadUi(): Promise<Ui> {
  if (typeof __mailsetupImport === 'function') return __mailsetupImport('./ui.js') as Promise<Ui>;
  return import('../ui/render.js');
}
