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
// --version alone is answered here, before dist/cli.cjs loads (the bundle's VERSION is this same
// field of package.json), and written to the descriptor itself: process.stdout would first build a
// stream (a socket for a pipe, ~5 ms on Node 20), a tenth of the whole run.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  writeOut(`${require('../package.json').version}\n`);
} else {
  run();
}

function writeOut(text) {
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(require('fs').writeSync(1, rest));
    } catch (err) {
      const code = err && err.code;
      // A reader that went away: nothing to say to anyone (as the bundle does for a broken pipe).
      if (code === 'EPIPE' || code === 'EIO') return;
      if (code !== 'EAGAIN') throw err;
      // A non-blocking descriptor that is full: the stream waits for it.
      process.stdout.on('error', () => undefined);
      process.stdout.write(rest);
      return;
    }
  }
}

function run() {
  try {
    require('../dist/cli.cjs');
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.cjs')) {
      process.stderr.write('mailsetup is not built: run `npm ci` (or `npm run build`) in the checkout first\n');
      process.exit(2);
    }
    throw err;
  }
}
