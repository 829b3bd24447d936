#!/usr/bin/env node
'use strict';
// The mailsetup command: loads the front of the bundle that `npm run build` (run by `npm ci`
// through `prepare`) writes to dist/ (dist/cli.cjs; it loads the rest, ES modules, when a mode runs).
// CommonJS, and written for old Node too (Ubuntu 22.04's nodejs is 12.22): one line that says what to do.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 18 || (major === 18 && minor < 19)) {
  process.stderr.write(
    `mailsetup needs Node.js 18.19 or newer and this is ${process.version}: ` +
      'install Node 20 with `sudo npm install -g node@20` and run mailsetup again (see "Node.js" in the README)\n',
  );
  process.exit(2);
}
try {
  require('../dist/cli.cjs');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.cjs')) {
    process.stderr.write('mailsetup is not built: run `npm ci` (or `npm run build`) in the checkout first\n');
    process.exit(2);
  }
  throw err;
}
