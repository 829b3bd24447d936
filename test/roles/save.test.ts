/**
 * Answers to reuse (--save-answers): what the user typed or chose is saved, what a host derives
 * for itself only where it was typed, passwords never; the saved file replayed on the same host
 * plans a byte-identical main.cf, on another host derives that host's own values; and the state
 * file's answers section is accepted as an answers file.
 */
import { describe, expect, it } from 'vitest';
import type { Answers, RoleId } from '../../src/model/answers.js';
import type { HostAddress, HostFacts } from '../../src/model/host.js';
import { MAIN_CF } from '../../src/model/paths.js';
import { plan } from '../../src/plan/plan.js';
import { emptyState, serializeState } from '../../src/plan/state.js';
import { parseAnswersYaml } from '../../src/roles/answers.js';
import { ROLE_IDS } from '../../src/roles/index.js';
import { resolveAnswers } from '../../src/roles/resolve.js';
import { answersToSave, savedAnswersText } from '../../src/roles/save.js';
import { fakeHost, freshFiles, templates } from '../helpers/host.js';

const T = templates();
const lo = fakeHost().addresses.filter((a) => a.scope === 'loopback');
const a4 = (iface: string, address: string, network: string, scope: HostAddress['scope']): HostAddress => ({
  iface,
  family: 4,
  address,
  prefix: 24,
  network,
  scope,
});

/** This host: a LAN address and a global IPv6 address, rsyslog. */
const here: HostFacts = fakeHost({
  fqdn: 'box1.example.com',
  hostname: 'box1',
  addresses: [
    ...lo,
    a4('eth0', '192.168.10.5', '192.168.10.0/24', 'private'),
    { iface: 'eth0', family: 6, address: '2001:db8::5', prefix: 64, network: '[2001:db8::]/64', scope: 'public' },
  ],
});
/** Another host: another name, another subnet, no IPv6, no rsyslog. */
const there: HostFacts = fakeHost({
  fqdn: 'box2.example.org',
  hostname: 'box2',
  addresses: [...lo, a4('ens3', '10.1.2.3', '10.1.2.0/24', 'private')],
  ipv6DefaultRoute: false,
  rsyslog: false,
});

/** Per role: what a user gives (some of it equal to what the host derives). */
const GIVEN: Record<RoleId, Partial<Answers> & { role: RoleId }> = {
  'null-client': {
    role: 'null-client',
    relayhost: '[smtp.example.net]:587',
    smtp_sasl: { username: 'me@example.net', password_file: '/root/relay-password', password: 'hunter2' },
    postmaster: 'admin@example.net',
    chroot: false,
  },
  'mail-server': {
    role: 'mail-server',
    myhostname: 'mail.example.com',
    postmaster: 'alice',
    notify_classes: ['resource', 'software', 'bounce'],
  },
  'backup-mx': {
    role: 'backup-mx',
    myhostname: 'mx2.example.com',
    relay_domains: ['example.org'],
    relay_recipients: ['@example.org'],
    transport: { 'example.org': 'relay:[mx1.example.org]' },
    proxy_interfaces: ['203.0.113.7'],
    postmaster: 'admin@example.com',
    overrides: ['overwrite-hand-edits', 'relay-accept-all'],
  },
  'firewall-relay': {
    role: 'firewall-relay',
    myhostname: 'gw.example.com',
    transport: { 'example.com': 'relay:[10.0.0.5]' },
    relay_recipients: ['alice@example.com'],
    mynetworks: ['127.0.0.0/8', '10.0.0.0/24'],
    postmaster: 'postmaster@example.com',
    inet_protocols: 'ipv4',
  },
};

function mainCf(a: Answers, host: HostFacts): string | null {
  const p = plan({ answers: resolveAnswers({ ...a }, host), host, files: freshFiles(), templates: T });
  return p.files.find((f) => f.path === MAIN_CF)?.after ?? null;
}

/** Save on `here`, then read the file back as --answers does. */
function roundTrip(given: Partial<Answers> & { role: RoleId }): { text: string; replayed: Partial<Answers> } {
  const resolved = resolveAnswers(given, here);
  const text = savedAnswersText(answersToSave(resolved, here), here.fqdn);
  return { text, replayed: parseAnswersYaml(text) };
}

describe('answersToSave', () => {
  it.each(ROLE_IDS)('%s: replayed on the same host, the plan writes a byte-identical main.cf', (role) => {
    const resolved = resolveAnswers(GIVEN[role], here);
    const { replayed } = roundTrip(GIVEN[role]);
    const withFile = { ...replayed } as Answers;
    // The password file is read by the command before planning; the planner gets the password.
    if (withFile.smtp_sasl) withFile.smtp_sasl = { ...withFile.smtp_sasl, password: 'hunter2' };
    expect(mainCf(withFile, here)).toBe(mainCf(resolved, here));
    expect(resolveAnswers({ ...withFile }, here)).toEqual({
      ...resolved,
      overrides: resolved.overrides.filter((o) => o !== 'overwrite-hand-edits'),
    });
  });

  it('saves what was typed or chosen, not what the host derives', () => {
    const nc = answersToSave(resolveAnswers(GIVEN['null-client'], here), here);
    expect(nc.answers).toEqual({
      role: 'null-client',
      relayhost: '[smtp.example.net]:587',
      smtp_sasl: { username: 'me@example.net', password_file: '/root/relay-password' },
      postmaster: 'admin@example.net',
      chroot: false,
    });
    expect(nc.derived).toEqual(['myhostname', 'mydomain', 'myorigin', 'inet_protocols', 'notify_classes', 'logging']);
    // A typed host name is saved; the domain it gives is derived again from it; the typed networks stay.
    const fw = answersToSave(resolveAnswers(GIVEN['firewall-relay'], here), here).answers;
    expect(fw.myhostname).toBe('gw.example.com');
    expect(fw.mydomain).toBeUndefined();
    expect(fw.relay_domains).toBeUndefined(); // the gateway's default: the domain of the name given
    expect(fw.mynetworks).toEqual(['127.0.0.0/8', '10.0.0.0/24']);
    expect(fw.inet_protocols).toBe('ipv4'); // this host has working IPv6: ipv4 was a choice
  });

  it('on another host, what was not saved is derived there', () => {
    const { replayed } = roundTrip(GIVEN['mail-server']);
    const there2 = resolveAnswers({ ...(replayed as Answers) }, there);
    expect(there2).toMatchObject({
      myhostname: 'mail.example.com', // typed
      mydomain: 'example.com',
      notify_classes: ['resource', 'software', 'bounce'], // chosen
      mynetworks: ['127.0.0.0/8', '10.1.2.0/24'], // that host's subnet
      inet_protocols: 'ipv4', // no IPv6 there
      logging: 'file', // no rsyslog there
    });
    const nc = resolveAnswers(
      { ...(roundTrip(GIVEN['null-client']).replayed as Answers), smtp_sasl: undefined },
      there,
    );
    expect(nc.myhostname).toBe('box2.example.org');
    expect(nc.mydomain).toBe('example.org');
  });

  it('never saves a password; a password file is saved; a one-run override is not', () => {
    const typed = resolveAnswers(
      { ...GIVEN['null-client'], smtp_sasl: { username: 'me@example.net', password: 'hunter2' } },
      here,
    );
    const s = answersToSave(typed, here);
    expect(s.passwordLeftOut).toBe(true);
    const text = savedAnswersText(s, here.fqdn);
    expect(text).not.toContain('hunter2');
    expect(text).toContain(
      'smtp_sasl:\n  username: me@example.net\n' +
        '  # The password is never saved. Put it in a file only root can read and name it here:\n' +
        '  # password_file: /root/relay-password\n',
    );
    // Replayed as it is, the file says what is missing.
    expect(() => parseAnswersYaml(text)).toThrow('smtp_sasl: give password or password_file');

    const { text: withFile } = roundTrip(GIVEN['null-client']);
    expect(withFile).toContain('smtp_sasl:\n  username: me@example.net\n  password_file: /root/relay-password\n');
    expect(withFile).not.toContain('hunter2');
    expect(roundTrip(GIVEN['backup-mx']).replayed.overrides).toEqual(['relay-accept-all']);
  });

  it('the text: a header saying where it comes from, how to replay it and what is derived; deterministic', () => {
    const { text } = roundTrip(GIVEN['mail-server']);
    expect(text).toBe(
      [
        '# mailsetup answers for the role mail-server, saved on box1.example.com.',
        '# Replay: mailsetup --answers FILE --yes (or --answers FILE to start the wizard with them).',
        '# Each host derives the settings not listed here from its own name and addresses: mydomain, myorigin, ' +
          'mydestination, mynetworks, relayhost, transport, proxy_interfaces, inet_interfaces, inet_protocols, ' +
          'chroot, logging.',
        'role: mail-server',
        'myhostname: mail.example.com',
        'postmaster: alice',
        'notify_classes:',
        '  - resource',
        '  - software',
        '  - bounce',
        '',
      ].join('\n'),
    );
    expect(roundTrip(GIVEN['mail-server']).text).toBe(text);
  });
});

describe('the state file as an answers file', () => {
  it("its answers section is read; the ledger's keys are not answers", () => {
    const resolved = resolveAnswers(GIVEN['backup-mx'], here);
    const state = emptyState(resolved);
    state.main.owned = { relay_domains: 'example.org' };
    const back = parseAnswersYaml(serializeState(state));
    expect(back).toEqual(JSON.parse(JSON.stringify(resolved)));
  });

  it('a state file of another version is refused by name', () => {
    expect(() => parseAnswersYaml('version: 2\nanswers: {role: null-client}\n')).toThrow(
      'version: 2: not a state file mailsetup knows (1)',
    );
    // An answers file with a stray version key is still an answers file, refused as such.
    expect(() => parseAnswersYaml('role: null-client\nversion: 1\n')).toThrow('version: unknown key');
  });
});
