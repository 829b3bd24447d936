// Bundles src/ and its runtime libraries into dist/ with esbuild: dist/cli.js (the command, with
// the Ink UI split into a chunk that only the interactive path loads) and dist/config.js (the public
// `mailsetup/config` module), plus dist/config.d.ts from tsc. Target: Node 18.19.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts', config: 'src/config.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node18.19',
  chunkNames: 'chunks/[name]-[hash]',
  // Ink loads react-devtools-core only when DEV=true; it is not shipped.
  external: ['react-devtools-core'],
  define: { 'process.env.NODE_ENV': '"production"' },
  banner: {
    js: "import { createRequire as __mailsetupCreateRequire } from 'node:module'; const require = __mailsetupCreateRequire(import.meta.url);",
  },
  legalComments: 'none',
  logLevel: 'warning',
});

// Type declarations for the public module (tsc, declarations only).
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (existsSync(tsc)) {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.decl.json'], { cwd: root, stdio: 'inherit' });
}
