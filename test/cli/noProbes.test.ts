/**
 * The --no-probes flag on the command line (what it does to a run: test/commands/noProbes.test.ts):
 * listed in --help, refused with --verify, accepted with an answers file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, makeSandbox, removeTree, runCli, said, writeTemp } from '../helpers/cli.js';

const ANSWERS =
  'role: null-client\nmyhostname: host.example.com\nrelayhost: "[smtp.example.net]"\npostmaster: admin@example.net\n';
const made: string[] = [];
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => made.forEach(removeTree));

describe('mailsetup --no-probes', () => {
  it('is listed in --help', async () => {
    const r = await runCli(['--help'], { via: 'bundle' });
    expect(r.status, said(r)).toBe(0);
    expect(r.stdout).toMatch(/^ {2}--no-probes {6}ask nothing of the network: no DNS lookups, no connection$/m);
  });

  it('is refused with --verify (exit 2), which talks SMTP and asks DNS', async () => {
    const r = await runCli(['--verify', '--no-probes'], { via: 'bundle' });
    expect(r.status, said(r)).toBe(2);
    expect(r.stderr).toContain(
      'mailsetup: --no-probes does not go with --verify: its checks talk SMTP to Postfix and ask DNS',
    );
  });

  it('goes with an answers file: the dry run is the same with and without it under --root', async () => {
    const root = makeSandbox();
    made.push(root);
    const answers = writeTemp('a.yaml', ANSWERS, made);
    const args = ['--answers', answers, '--dry-run', '--root', root, '--no-color'];
    const [a, b] = await Promise.all([
      runCli(args, { via: 'bundle' }),
      runCli([...args, '--no-probes'], { via: 'bundle' }),
    ]);
    expect(a.status, said(a)).toBe(0);
    expect(b.status, said(b)).toBe(0);
    // A sandbox never reaches the network anyway: nothing differs.
    expect(b.stdout).toBe(a.stdout);
  });
});
