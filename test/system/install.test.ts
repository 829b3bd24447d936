import { afterAll, describe, expect, it } from 'vitest';
import type { StepEvent } from '../../src/system/apply.js';
import { ensurePackage, installPostfix } from '../../src/system/install.js';
import { createRealEffects } from '../../src/system/realEffects.js';
import { cleanup, tempDir } from '../helpers/postfix.js';
import { stubBin } from '../helpers/system-fixture.js';

// Stand-in apt-get / apt-cache / debconf-set-selections / dpkg-query first on PATH: nothing is
// installed or removed on this machine.
const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

const POLICY_NONE = 'postfix:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n';
const POLICY_OK = 'postfix:\n  Installed: (none)\n  Candidate: 3.7.11-0+deb12u1\n  Version table:\n';

function setup(programs: Parameters<typeof stubBin>[0]) {
  const stub = stubBin(programs);
  dirs.push(stub.dir);
  const fx = createRealEffects('/', { env: { PATH: `${stub.dir}:${process.env.PATH ?? ''}` } });
  const events: StepEvent[] = [];
  return {
    fx,
    stub,
    events,
    onEvent: (e: StepEvent) => {
      events.push(e);
    },
  };
}

describe('installPostfix', () => {
  it('preseeds "No configuration", updates when apt has no candidate, installs non-interactively', async () => {
    const { fx, stub, events, onEvent } = setup({
      'debconf-set-selections': {},
      'apt-cache': { stdout: POLICY_NONE },
      'apt-get': { env: ['DEBIAN_FRONTEND'] },
    });
    expect(await installPostfix(fx, onEvent)).toBe(true);
    expect(stub.calls()).toEqual([
      'debconf-set-selections',
      'postfix postfix/main_mailer_type select No configuration',
      'apt-cache policy postfix',
      'apt-get update DEBIAN_FRONTEND=noninteractive',
      'apt-get install -y postfix DEBIAN_FRONTEND=noninteractive',
    ]);
    expect(events.map((e) => `${e.id} ${e.status}`)).toEqual([
      'debconf running',
      'debconf ok',
      'apt-update running',
      'apt-update ok',
      'apt-install:postfix running',
      'apt-install:postfix ok',
    ]);
  });

  it('no apt-get update when apt already has a candidate', async () => {
    const { fx, stub, onEvent } = setup({
      'debconf-set-selections': {},
      'apt-cache': { stdout: POLICY_OK },
      'apt-get': {},
    });
    expect(await installPostfix(fx, onEvent)).toBe(true);
    expect(stub.calls().filter((c) => c.startsWith('apt-get'))).toEqual(['apt-get install -y postfix']);
  });

  it('a failing apt-get install is reported with its output', async () => {
    const { fx, events, onEvent } = setup({
      'debconf-set-selections': {},
      'apt-cache': { stdout: POLICY_OK },
      'apt-get': { body: 'echo "E: Unable to locate package postfix" >&2; exit 100' },
    });
    expect(await installPostfix(fx, onEvent)).toBe(false);
    expect(events.at(-1)).toEqual({
      id: 'apt-install:postfix',
      label: 'Install postfix (apt-get install)',
      status: 'failed',
      detail: 'apt-get install -y postfix exited 100: E: Unable to locate package postfix',
    });
  });

  it('--root: nothing is installed', async () => {
    const d = tempDir();
    dirs.push(d);
    const events: StepEvent[] = [];
    expect(await installPostfix(createRealEffects(d), (e) => events.push(e))).toBe(true);
    expect(events).toEqual([
      {
        id: 'apt-install:postfix',
        label: 'Install postfix',
        status: 'skipped',
        detail: '--root: packages are not installed',
      },
    ]);
  });
});

describe('ensurePackage', () => {
  it('skips an installed package, installs a missing one', async () => {
    const a = setup({
      'dpkg-query': { stdout: 'install ok installed' },
      'apt-cache': { stdout: POLICY_OK },
      'apt-get': {},
    });
    expect(await ensurePackage(a.fx, 'libsasl2-modules', a.onEvent)).toBe(true);
    expect(a.events.at(-1)?.detail).toBe('libsasl2-modules is already installed');
    expect(a.stub.calls()).toEqual(['dpkg-query -W -f=${Status} libsasl2-modules']);
    const b = setup({
      'dpkg-query': { exit: 1 },
      'apt-cache': { stdout: POLICY_OK },
      'apt-get': { env: ['DEBIAN_FRONTEND'] },
    });
    expect(await ensurePackage(b.fx, 'libsasl2-modules', b.onEvent)).toBe(true);
    expect(b.stub.calls()).toEqual([
      'dpkg-query -W -f=${Status} libsasl2-modules',
      'apt-cache policy libsasl2-modules',
      'apt-get install -y libsasl2-modules DEBIAN_FRONTEND=noninteractive',
    ]);
  });
});
