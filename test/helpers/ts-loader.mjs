// Runs the TypeScript sources directly: `node --import ./test/helpers/ts-loader.mjs src/cli.ts`.
// Registers module hooks that resolve an import of `./x.js` to `./x.ts` / `./x.tsx` when only the
// TypeScript file exists (the NodeNext convention of src/), and compile .ts/.tsx with esbuild
// (type stripping and the automatic JSX runtime, as tsconfig.json says) before Node loads them.
// JSON imports with `with { type: 'json' }` pass through to Node unchanged.
// Used by test/helpers/cli.ts for the "source" runs; starts in well under a second where vite-node
// takes two or three.
import { register } from 'node:module';

register(new URL(import.meta.url).href.replace(/ts-loader\.mjs$/, 'ts-loader-hooks.mjs'), import.meta.url);
