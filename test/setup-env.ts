/**
 * Runs in every test worker before the test file loads. In-process Ink renders load Ink from
 * node_modules, unbundled: Ink reads CI at import and, in CI mode, draws only the final frame
 * (and loses it on exit). The shipped bundle replaces that guess by mailsetup's own decision
 * (scripts/build.mjs, isInCiPlugin); the tests get the same by removing the variables here, in
 * the test workers only. Also puts /usr/sbin (Postfix's tools) on the PATH of a user other than root.
 *
 * NODE_EXTRA_CA_CERTS (a machine's proxy setting) is set aside too: Node reads and parses the
 * bundle it names at every start (`node -e 0` 100 ms with it, 30 ms without, here), and the
 * hundreds of Node processes the tests start (CLI runs, Ansible's module, terminal sessions) reach
 * no server outside the machine. The one child that does, the Node 18 fetch from the npm registry
 * (test/package/package.test.ts), gets it back from MAILSETUP_TEST_EXTRA_CA_CERTS.
 */
import { addSbinToPath } from './helpers/sbinPath.js';

addSbinToPath();
for (const k of Object.keys(process.env))
  if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) delete process.env[k];
const extraCa = process.env.NODE_EXTRA_CA_CERTS;
if (extraCa !== undefined) {
  process.env.MAILSETUP_TEST_EXTRA_CA_CERTS = extraCa;
  delete process.env.NODE_EXTRA_CA_CERTS;
}
