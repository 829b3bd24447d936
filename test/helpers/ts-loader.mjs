// Runs the TypeScript sources directly: `node --import ./test/helpers/ts-loader.mjs src/cli.ts`.
// Registers module hooks that resolve an import of `./x.js` to `./x.ts` / `./x.tsx` when only the
// TypeScript file exists (the NodeNext convention of src/), and compile .ts/.tsx with esbuild
// (type stripping and the automatic JSX runtime, as tsconfig.json says) before Node loads them.
// JSON imports with `with { type: 'json' }` pass through to Node unchanged.
// For running the sources by hand; starts in well under a second where vite-node takes two or
// three. The CLI tests' "source" runs use the precompiled tree of test/helpers/source-tree.mjs,
// which spares each run the hooks' round trips to Node's loader thread.
import { register } from 'node:module';

register(new URL(import.meta.url).href.replace(/ts-loader\.mjs$/, 'ts-loader-hooks.mjs'), import.meta.url);
