/** What each role has --verify send and ask about (RoleModule.verifySamples): pure, from the running parameters and the recorded answers. */
import { describe, expect, it } from 'vitest';
import { roleModule } from '../../src/roles/index.js';

const PARAMS = {
  myhostname: 'mx.example.com',
  mydomain: 'example.com',
  relayhost: '',
  relay_domains: '',
  inet_interfaces: 'all',
};

describe('verifySamples', () => {
  it('null client: everything, root and postmaster too, must leave through the relay host', () => {
    expect(
      roleModule('null-client').verifySamples(
        { ...PARAMS, relayhost: '[smtp.example.net]:587' },
        { role: 'null-client' },
      ),
    ).toEqual({
      postmaster: { cls: 'postmaster', address: 'postmaster', notLocal: true },
      addresses: [{ cls: 'local (root)', address: 'root', notLocal: true, hop: '[smtp.example.net]:587' }],
      skipped: [],
    });
    expect(roleModule('null-client').verifySamples(PARAMS, { role: 'null-client' }).addresses).toEqual([
      { cls: 'local (root)', address: 'root', notLocal: true },
    ]);
  });

  it('mail server: postmaster at this host, delivered here', () => {
    expect(roleModule('mail-server').verifySamples(PARAMS, { role: 'mail-server' })).toEqual({
      postmaster: { cls: 'postmaster', address: 'postmaster@mx.example.com' },
      addresses: [{ cls: 'local', address: 'postmaster@mx.example.com' }],
      skipped: [],
    });
  });

  it('backup MX: the first relayed domain, a listed recipient and its transport next hop', () => {
    const s = roleModule('backup-mx').verifySamples(
      { ...PARAMS, relay_domains: '$extra_domains hash:/etc/postfix/more backed.example, other.example' },
      {
        role: 'backup-mx',
        relay_recipients: ['@backed.example', 'alice@other.example', 'Alice@Backed.example'],
        transport: { 'Backed.example': 'relay:[192.0.2.32]:2532' },
      },
    );
    expect(s.addresses).toEqual([
      { cls: 'local', address: 'postmaster@mx.example.com' },
      { cls: 'relay domain backed.example', address: 'Alice@Backed.example', hop: 'relay:[192.0.2.32]:2532' },
    ]);
    expect(s.postmaster).toEqual({ cls: 'postmaster', address: 'postmaster@mx.example.com' });
  });

  it('a relay domain without listed recipients: postmaster there; no domain at all: skipped', () => {
    const s = roleModule('backup-mx').verifySamples(
      { ...PARAMS, relay_domains: 'backed.example' },
      { role: 'backup-mx' },
    );
    expect(s.addresses[1]).toEqual({ cls: 'relay domain backed.example', address: 'postmaster@backed.example' });
    expect(roleModule('backup-mx').verifySamples(PARAMS, { role: 'backup-mx' }).skipped).toEqual([
      { cls: 'relay domain', why: 'relay_domains names no domain' },
    ]);
  });

  it("firewall relay: postmaster at the gateway's own address (no local delivery), and the inside domain", () => {
    const s = roleModule('firewall-relay').verifySamples(
      { ...PARAMS, inet_interfaces: '192.0.2.1, 127.0.0.1', relay_domains: 'inside.example' },
      { role: 'firewall-relay', transport: { 'inside.example': 'relay:[10.0.0.5]' } },
    );
    expect(s).toEqual({
      postmaster: { cls: 'postmaster', address: 'postmaster@[192.0.2.1]' },
      addresses: [
        { cls: 'local (postmaster at the gateway)', address: 'postmaster@[192.0.2.1]' },
        { cls: 'relay domain inside.example', address: 'postmaster@inside.example', hop: 'relay:[10.0.0.5]' },
      ],
      skipped: [],
    });
    expect(roleModule('firewall-relay').verifySamples(PARAMS, { role: 'firewall-relay' }).postmaster.address).toBe(
      'postmaster@[127.0.0.1]',
    );
  });
});
