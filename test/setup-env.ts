/**
 * Runs in every test worker before the test file loads: Ink and chalk read CI at import and, in
 * CI mode, Ink draws only the final frame (and loses it on exit) and chalk drops colours: not the
 * terminal behaviour the UI tests check. Real CLI runs get the same from src/run.ts (forgetCi).
 * Also puts /usr/sbin (Postfix's tools) on the PATH of a user other than root.
 */
import { addSbinToPath } from './helpers/sbinPath.js';

addSbinToPath();
for (const k of Object.keys(process.env))
  if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) delete process.env[k];
