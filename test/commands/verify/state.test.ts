/** The state-file check: which role, set up by mailsetup; a missing or broken file is a failure that says so. */
import { describe, expect, it } from 'vitest';
import { checkState } from '../../../src/commands/verify/checks/state.js';
import { serializeState } from '../../../src/plan/state.js';
import { createMemoryEffects } from '../../../src/system/memoryEffects.js';
import { NULL_CLIENT_STATE } from './twin.js';

describe('check: mailsetup state', () => {
  it('names the role and the file; hands the state on', async () => {
    const fx = createMemoryEffects({ files: { '/etc/postfix/mailsetup.yaml': serializeState(NULL_CLIENT_STATE) } });
    const r = await checkState(fx);
    expect(r.outcome).toEqual({
      status: 'ok',
      detail: 'role null-client, set up by mailsetup (/etc/postfix/mailsetup.yaml)',
    });
    expect(r.value?.maps['/etc/postfix/virtual'].keys).toEqual({
      postmaster: 'admin@example.org',
      root: 'admin@example.org',
    });
  });

  it('under --root the sandbox path is shown; with a configuration directory its mailsetup.yaml is read', async () => {
    const sandbox = createMemoryEffects({
      root: '/srv/box',
      files: { '/etc/postfix/mailsetup.yaml': serializeState(NULL_CLIENT_STATE) },
    });
    expect((await checkState(sandbox)).outcome.detail).toBe(
      'role null-client, set up by mailsetup (/srv/box/etc/postfix/mailsetup.yaml)',
    );
    const instance = createMemoryEffects({ files: { '/tmp/pf/mailsetup.yaml': serializeState(NULL_CLIENT_STATE) } });
    expect((await checkState(instance, '/tmp/pf')).outcome.detail).toBe(
      'role null-client, set up by mailsetup (/tmp/pf/mailsetup.yaml)',
    );
  });

  it('no state file: failed, and no state for the later checks', async () => {
    const r = await checkState(createMemoryEffects());
    expect(r).toEqual({
      outcome: {
        status: 'failed',
        detail: 'no /etc/postfix/mailsetup.yaml: mailsetup has not configured this Postfix (run mailsetup first)',
      },
      value: null,
    });
  });

  it('a broken state file: failed with what is wrong', async () => {
    const fx = createMemoryEffects({ files: { '/etc/postfix/mailsetup.yaml': 'version: 7\n' } });
    expect(await checkState(fx)).toEqual({
      outcome: { status: 'failed', detail: '/etc/postfix/mailsetup.yaml: unknown version 7' },
      value: null,
    });
  });
});
