/**
 * Runs in every test worker before the test file loads. In-process Ink renders load Ink from
 * node_modules, unbundled: Ink reads CI at import and, in CI mode, draws only the final frame
 * (and loses it on exit). The shipped bundle replaces that guess by mailsetup's own decision
 * (scripts/build.mjs, isInCiPlugin); the tests get the same by removing the variables here, in
 * the test workers only. Also puts /usr/sbin (Postfix's tools) on the PATH of a user other than root.
 */
import { addSbinToPath } from './helpers/sbinPath.js';

addSbinToPath();
for (const k of Object.keys(process.env))
  if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) delete process.env[k];
