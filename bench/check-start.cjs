'use strict';
// Preloaded by bench/pairs-ns.sh (NODE_OPTIONS=--require): when mailsetup starts its `postfix
// check` (the first command it runs through script(1)), writes "ELAPSED CPU" to
// $MAILSETUP_CHECK_START: the ms since the process started and the process's CPU time in ms.
const childProcess = require('node:child_process');
const { writeFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

const out = process.env.MAILSETUP_CHECK_START;
const spawn = childProcess.spawn;
let seen = false;
childProcess.spawn = function (file, ...rest) {
  if (!seen && out && file === 'script') {
    seen = true;
    const cpu = process.cpuUsage();
    writeFileSync(out, `${performance.now().toFixed(1)} ${((cpu.user + cpu.system) / 1000).toFixed(1)}\n`);
  }
  return spawn.call(this, file, ...rest);
};
