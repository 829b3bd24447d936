import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Address4, Address6 } from 'ip-address';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ValidationError,
  assertPlainValue,
  checkCidr,
  checkDomain,
  checkEmail,
  checkHostname,
  checkInetInterfaces,
  checkInetProtocols,
  checkNotifyClasses,
  checkPlainValue,
  checkProxyInterfaces,
  checkRelayhost,
  checkTransportValue,
  coversAll,
  isPublic,
  parseCidr,
  parseRelayhost,
  parseTransportValue,
  validateDomain,
  validateEmail,
  validateHostname,
  validateInetInterfaces,
  validateInetProtocols,
  validateNotifyClasses,
  validateProxyInterfaces,
  type Cidr,
} from '../../src/postfix/validate.js';
import { needsRoot } from '../helpers/needs.js';
import { cleanup, describePostfix, postconf, tempDir } from '../helpers/postfix.js';
import { Rng, runAsync, writeMainCf } from '../helpers/postfixTables.js';
import { SmtpdProbe, type EhloVerdict } from '../helpers/smtpdProbe.js';

/** Assert that `run` throws a ValidationError with exactly `message`. */
function expectError(run: () => unknown, message: string): void {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ValidationError: ${message}`).toBeInstanceOf(ValidationError);
  expect((caught as Error).message).toBe(message);
}

describe('assertPlainValue', () => {
  it('accepts text with tabs and returns it unchanged', () => {
    expect(assertPlainValue('a\tb c', 'relayhost')).toBe('a\tb c');
    expect(checkPlainValue('ok', 'x')).toBeNull();
  });
  const cases: Array<[string, string]> = [
    ['a\nb', 'relayhost contains a control character (U+000A, line feed)'],
    ['a\rb', 'relayhost contains a control character (U+000D, carriage return)'],
    ['\u0000', 'relayhost contains a control character (U+0000, NUL)'],
    ['\u0001', 'relayhost contains a control character (U+0001)'],
    ['\u001b[1m', 'relayhost contains a control character (U+001B, escape)'],
    ['\u000b', 'relayhost contains a control character (U+000B, vertical tab)'],
    ['x\u007f', 'relayhost contains a control character (U+007F, DEL)'],
  ];
  for (const [value, message] of cases) {
    it(`refuses ${JSON.stringify(value)}`, () => {
      expectError(() => assertPlainValue(value, 'relayhost'), message);
      expect(checkPlainValue(value, 'relayhost')).toBe(message);
    });
  }
});

describe('validateHostname / validateDomain', () => {
  it('normalises: lowercase, one trailing dot stripped', () => {
    expect(validateHostname('Mail.Example.COM.')).toBe('mail.example.com');
    expect(validateHostname('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
    expect(validateHostname('123.example.com')).toBe('123.example.com');
    expect(validateHostname('a-b.c-d.example')).toBe('a-b.c-d.example');
    expect(validateHostname('localhost', { allowSingleLabel: true })).toBe('localhost');
    expect(validateDomain('Example.COM')).toBe('example.com');
    expect(validateHostname(`${'a'.repeat(63)}.example.com`)).toBe(`${'a'.repeat(63)}.example.com`);
    const max = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(max.length).toBe(253);
    expect(validateHostname(`${max}.`)).toBe(max);
  });

  const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`;
  const cases: Array<[string, string]> = [
    ['mail_example.com', '"mail_example.com" is not a valid host name: label "mail_example" contains "_"'],
    ['', '"" is not a valid host name: it is empty'],
    ['.', '"." is not a valid host name: it is empty'],
    [
      'localhost',
      '"localhost" is not a valid host name: it needs at least one dot (a fully qualified name such as "mail.example.com")',
    ],
    ['a..b', '"a..b" is not a valid host name: it contains an empty label'],
    ['.a.b', '".a.b" is not a valid host name: it contains an empty label'],
    ['a.b..', '"a.b.." is not a valid host name: it contains an empty label'],
    [
      `${'x'.repeat(64)}.com`,
      `"${'x'.repeat(64)}.com" is not a valid host name: label "${'x'.repeat(64)}" is 64 characters long (at most 63)`,
    ],
    [long, `"${long}" is not a valid host name: it is 254 characters long (at most 253)`],
    ['-a.example.com', '"-a.example.com" is not a valid host name: label "-a" starts with "-"'],
    ['a-.example.com', '"a-.example.com" is not a valid host name: label "a-" ends with "-"'],
    ['a b.example.com', '"a b.example.com" is not a valid host name: label "a b" contains " "'],
    ['ex\u00e4mple.com', '"exämple.com" is not a valid host name: label "exämple" contains "ä"'],
    ['mail.example.com\n', '"mail.example.com\\n" is not a valid host name: label "com\\n" contains "\\n"'],
    ['1.2.3.4', '"1.2.3.4" is not a valid host name: the last label "4" is all digits'],
  ];
  for (const [name, message] of cases) {
    it(`refuses ${JSON.stringify(name.slice(0, 40))}`, () => {
      expectError(() => validateHostname(name), message);
      expect(checkHostname(name)).toBe(message);
    });
  }

  it('validateDomain says "domain name" and needs a dot', () => {
    expectError(
      () => validateDomain('com'),
      '"com" is not a valid domain name: it needs at least one dot (a fully qualified name such as "mail.example.com")',
    );
    expectError(() => validateDomain('a_b.com'), '"a_b.com" is not a valid domain name: label "a_b" contains "_"');
    expect(checkDomain('example.org')).toBeNull();
    expect(checkHostname('localhost', { allowSingleLabel: true })).toBeNull();
  });
});

describe('validateEmail', () => {
  it('accepts dot-atoms and quoted local parts; lowercases the domain only', () => {
    expect(validateEmail('Joe.Doe+tag@Example.COM')).toBe('Joe.Doe+tag@example.com');
    expect(validateEmail('"john doe"@example.com')).toBe('"john doe"@example.com');
    expect(validateEmail('"a\\"b@c"@example.com')).toBe('"a\\"b@c"@example.com');
    expect(validateEmail("o'neil!#$%&*/=?^_`{|}~-x@mail.example.org")).toBe(
      "o'neil!#$%&*/=?^_`{|}~-x@mail.example.org",
    );
    expect(checkEmail('root@example.com')).toBeNull();
  });
  const cases: Array<[string, string]> = [
    ['', '"" is not a valid email address: it is empty'],
    ['joe', '"joe" is not a valid email address: it has no "@"'],
    ['@example.com', '"@example.com" is not a valid email address: the local part is empty'],
    ['joe@', '"joe@" is not a valid email address: the domain is empty'],
    ['.joe@example.com', '".joe@example.com" is not a valid email address: the local part ".joe" starts with "."'],
    ['joe.@example.com', '"joe.@example.com" is not a valid email address: the local part "joe." ends with "."'],
    ['jo..e@example.com', '"jo..e@example.com" is not a valid email address: the local part "jo..e" contains ".."'],
    ['jo e@example.com', '"jo e@example.com" is not a valid email address: the local part "jo e" contains " "'],
    ['jo(e)@example.com', '"jo(e)@example.com" is not a valid email address: the local part "jo(e)" contains "("'],
    [
      '"jo e@example.com',
      '"\\"jo e@example.com" is not a valid email address: the local part "\\"jo e" has an unterminated quote',
    ],
    [
      '"a"b@example.com',
      '"\\"a\\"b@example.com" is not a valid email address: the local part "\\"a\\"b" has text after the closing quote',
    ],
    ['""@example.com', '"\\"\\"@example.com" is not a valid email address: the quoted local part is empty'],
    [
      '"a\nb"@example.com',
      '"\\"a\\nb\\"@example.com" is not a valid email address: the local part contains a control character (U+000A, line feed)',
    ],
    [
      `${'x'.repeat(65)}@example.com`,
      `"${'x'.repeat(65)}@example.com" is not a valid email address: the local part is 65 characters long (at most 64)`,
    ],
    [
      'joe@mail_x.com',
      '"joe@mail_x.com" is not a valid email address: "mail_x.com" is not a valid domain name: label "mail_x" contains "_"',
    ],
    [
      'joe@localhost',
      '"joe@localhost" is not a valid email address: "localhost" is not a valid domain ' +
        'name: it needs at least one dot (a fully qualified name such as "mail.example.com")',
    ],
  ];
  for (const [addr, message] of cases) {
    it(`refuses ${JSON.stringify(addr.slice(0, 40))}`, () => {
      expectError(() => validateEmail(addr), message);
      expect(checkEmail(addr)).toBe(message);
    });
  }
});

describe('parseCidr', () => {
  const ok: Array<[string, Cidr]> = [
    ['192.168.1.0/24', { family: 4, network: '192.168.1.0', prefix: 24, postfix: '192.168.1.0/24' }],
    ['10.1.2.3', { family: 4, network: '10.1.2.3', prefix: 32, postfix: '10.1.2.3/32' }],
    ['[10.0.0.0]/8', { family: 4, network: '10.0.0.0', prefix: 8, postfix: '10.0.0.0/8' }],
    ['0.0.0.0/0', { family: 4, network: '0.0.0.0', prefix: 0, postfix: '0.0.0.0/0' }],
    ['127.0.0.0/08', { family: 4, network: '127.0.0.0', prefix: 8, postfix: '127.0.0.0/8' }],
    ['2001:db8::/32', { family: 6, network: '2001:db8::', prefix: 32, postfix: '[2001:db8::]/32' }],
    ['2001:DB8::/32', { family: 6, network: '2001:db8::', prefix: 32, postfix: '[2001:db8::]/32' }],
    ['[2001:db8::]/32', { family: 6, network: '2001:db8::', prefix: 32, postfix: '[2001:db8::]/32' }],
    ['[2001:db8::/32]', { family: 6, network: '2001:db8::', prefix: 32, postfix: '[2001:db8::]/32' }],
    [
      '2001:0DB8:0000:0000:0000:0000:0000:0000/32',
      { family: 6, network: '2001:db8::', prefix: 32, postfix: '[2001:db8::]/32' },
    ],
    ['::1', { family: 6, network: '::1', prefix: 128, postfix: '[::1]/128' }],
    ['[::1]', { family: 6, network: '::1', prefix: 128, postfix: '[::1]/128' }],
    ['[::1]/128', { family: 6, network: '::1', prefix: 128, postfix: '[::1]/128' }],
    ['fe80::/10', { family: 6, network: 'fe80::', prefix: 10, postfix: '[fe80::]/10' }],
    [
      '2001:db8:0:0:1:0:0:0/80',
      { family: 6, network: '2001:db8:0:0:1::', prefix: 80, postfix: '[2001:db8:0:0:1::]/80' },
    ],
    ['::/0', { family: 6, network: '::', prefix: 0, postfix: '[::]/0' }],
  ];
  for (const [text, cidr] of ok) {
    it(`accepts ${text}`, () => {
      expect(parseCidr(text)).toEqual(cidr);
      expect(checkCidr(text)).toBeNull();
    });
  }
  const bad: Array<[string, string]> = [
    ['192.168.1.5/24', 'host bits are set; did you mean "192.168.1.0/24"?'],
    ['2001:db8::1/32', 'host bits are set; did you mean "[2001:db8::]/32"?'],
    ['[2001:db8::1]/64', 'host bits are set; did you mean "[2001:db8::]/64"?'],
    ['10.0.0.0/33', 'the prefix length 33 is out of range (0-32)'],
    ['2001:db8::/129', 'the prefix length 129 is out of range (0-128)'],
    ['10.0.0.0/', 'the prefix length "" is not a number'],
    ['10.0.0.0/x', 'the prefix length "x" is not a number'],
    ['10.0.0.0/-1', 'the prefix length "-1" is not a number'],
    ['garbage', '"garbage" is not an IP address'],
    ['', 'it is empty'],
    ['010.0.0.0/8', '"010.0.0.0" is not a valid IPv4 address (leading zeros are not allowed)'],
    ['1.2.3/24', '"1.2.3" is not a valid IPv4 address'],
    ['256.1.1.1', '"256.1.1.1" is not a valid IPv4 address'],
    ['2001:db8::g', '"2001:db8::g" is not a valid IPv6 address'],
    ['1::2::3', '"1::2::3" is not a valid IPv6 address'],
    ['fe80::1%eth0', '"fe80::1%eth0" has a zone identifier, which is not allowed here'],
    ['[2001:db8::', 'missing "]"'],
    ['[2001:db8::]x', 'garbage after "]"'],
    ['[2001:db8::/32]/32', 'garbage after "]"'],
    ['[]/8', 'the address is empty'],
    ['10.0.0.0 /8', 'it contains whitespace'],
    ['10.0.0.0/8\n', 'it contains a control character (U+000A, line feed)'],
  ];
  for (const [text, reason] of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const message = `${JSON.stringify(text)} is not a valid network address: ${reason}`;
      expectError(() => parseCidr(text), message);
      expect(checkCidr(text)).toBe(message);
    });
  }
});

describe('isPublic / coversAll', () => {
  const cases: Array<[string, boolean]> = [
    ['10.1.0.0/16', false],
    ['10.0.0.0/7', true],
    ['192.168.1.0/24', false],
    ['172.16.0.0/12', false],
    ['172.0.0.0/11', true],
    ['127.0.0.1', false],
    ['169.254.0.0/16', false],
    ['100.64.0.0/10', false],
    ['100.0.0.0/9', true],
    ['8.8.8.8', true],
    ['0.0.0.0/0', true],
    ['::1', false],
    ['fe80::/64', false],
    ['fd00::/8', false],
    ['fc00::/7', false],
    ['2001:db8::/32', true],
    ['::/0', true],
    ['[::ffff:10.0.0.0]/104', false],
    ['::ffff:8.8.8.8', true],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → ${expected}`, () => {
      expect(isPublic(text)).toBe(expected);
      expect(isPublic(parseCidr(text))).toBe(expected);
    });
  }
  it('coversAll is true only for /0', () => {
    expect(coversAll('0.0.0.0/0')).toBe(true);
    expect(coversAll('[::]/0')).toBe(true);
    expect(coversAll(parseCidr('10.0.0.0/8'))).toBe(false);
    expect(coversAll('0.0.0.0/1')).toBe(false);
  });
});

describe('parseRelayhost', () => {
  it('accepts the documented forms', () => {
    expect(parseRelayhost('mail.Example.com')).toEqual({
      host: 'mail.example.com',
      bracketed: false,
      form: 'mail.example.com',
    });
    expect(parseRelayhost('[mail.isp.example]:587')).toEqual({
      host: 'mail.isp.example',
      bracketed: true,
      port: 587,
      form: '[mail.isp.example]:587',
    });
    expect(parseRelayhost('[mail.isp.example]:submission')).toEqual({
      host: 'mail.isp.example',
      bracketed: true,
      port: 'submission',
      form: '[mail.isp.example]:submission',
    });
    expect(parseRelayhost('mail.example.com:2525')).toEqual({
      host: 'mail.example.com',
      bracketed: false,
      port: 2525,
      form: 'mail.example.com:2525',
    });
    expect(parseRelayhost('[192.0.2.1]')).toEqual({ host: '192.0.2.1', bracketed: true, form: '[192.0.2.1]' });
    expect(parseRelayhost('[ipv6:2001:DB8::1]:25')).toEqual({
      host: '2001:db8::1',
      bracketed: true,
      port: 25,
      form: '[2001:db8::1]:25',
    });
    expect(parseRelayhost('[2001:db8:0::1]')).toEqual({ host: '2001:db8::1', bracketed: true, form: '[2001:db8::1]' });
    expect(parseRelayhost('$mydomain')).toEqual({ host: '$mydomain', bracketed: false, form: '$mydomain' });
    expect(parseRelayhost('[${relay_name}]:587')).toEqual({
      host: '${relay_name}',
      bracketed: true,
      port: 587,
      form: '[${relay_name}]:587',
    });
    expect(parseRelayhost('uucphost')).toEqual({ host: 'uucphost', bracketed: false, form: 'uucphost' });
    expect(parseRelayhost('[mail.example.com]:0587').form).toBe('[mail.example.com]:587');
    expect(checkRelayhost('[smtp.example.net]:465')).toBeNull();
  });
  const bad: Array<[string, string]> = [
    ['', 'it is empty'],
    ['a.example b.example', 'it contains whitespace (give a single destination)'],
    ['a.example,b.example', 'it contains "," (give a single destination)'],
    ['a.example\n', 'it contains a control character (U+000A, line feed)'],
    ['[mail.example.com', 'missing "]"'],
    ['[mail.example.com]587', 'garbage after "]"'],
    ['[]', 'the host is empty'],
    [':25', 'the host is empty'],
    ['x.example.com:0', 'port 0 is out of range (1-65535)'],
    ['x.example.com:65536', 'port 65536 is out of range (1-65535)'],
    ['[x.example.com]:', 'the port is empty'],
    ['x.example.com:25x', 'port "25x" is not a number'],
    ['x.example.com:sub_mission', 'port "sub_mission" is not a port number or service name'],
    ['192.0.2.1', 'write an IP address in brackets: "[192.0.2.1]"'],
    ['192.0.2.1:25', 'write an IP address in brackets: "[192.0.2.1]:25"'],
    ['2001:db8::1', 'an IPv6 address must be written in brackets, e.g. "[2001:db8::1]"'],
    ['[ipv6:192.0.2.1]', '"192.0.2.1" is not a valid IPv6 address'],
    ['[2001:db8::g]', '"2001:db8::g" is not a valid IPv6 address'],
    ['[192.0.2.256]', '"192.0.2.256" is not a valid IPv4 address'],
    ['mail_x.example.com', '"mail_x.example.com" is not a valid host name: label "mail_x" contains "_"'],
    ['$my-domain', '"$my-domain" is not a valid $name reference'],
  ];
  for (const [text, reason] of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const message = `${JSON.stringify(text)} is not a valid relay host: ${reason}`;
      expectError(() => parseRelayhost(text), message);
      expect(checkRelayhost(text)).toBe(message);
    });
  }
});

describe('parseTransportValue', () => {
  it('splits transport and next hop at the first colon and normalises SMTP next hops', () => {
    expect(parseTransportValue('relay:[inside.example.com]')).toEqual({
      transport: 'relay',
      nexthop: '[inside.example.com]',
      form: 'relay:[inside.example.com]',
    });
    expect(parseTransportValue('relay:[Inside.Example.com]:25')).toEqual({
      transport: 'relay',
      nexthop: '[inside.example.com]:25',
      form: 'relay:[inside.example.com]:25',
    });
    expect(parseTransportValue('smtp:mail.example.com')).toEqual({
      transport: 'smtp',
      nexthop: 'mail.example.com',
      form: 'smtp:mail.example.com',
    });
    expect(parseTransportValue('local')).toEqual({ transport: 'local', form: 'local' });
    expect(parseTransportValue(':')).toEqual({ transport: '', form: ':' });
    expect(parseTransportValue('smtp:')).toEqual({ transport: 'smtp', form: 'smtp' });
    expect(parseTransportValue(':[gw.example.com]')).toEqual({
      transport: '',
      nexthop: '[gw.example.com]',
      form: ':[gw.example.com]',
    });
    expect(parseTransportValue('error:local mail delivery is disabled')).toEqual({
      transport: 'error',
      nexthop: 'local mail delivery is disabled',
      form: 'error:local mail delivery is disabled',
    });
    expect(parseTransportValue('lmtp:unix:/var/run/lmtp')).toEqual({
      transport: 'lmtp',
      nexthop: 'unix:/var/run/lmtp',
      form: 'lmtp:unix:/var/run/lmtp',
    });
    expect(checkTransportValue('discard:')).toBeNull();
  });
  const bad: Array<[string, string]> = [
    ['', 'it is empty (":" keeps the default transport and next hop)'],
    ['relay:[x.example', 'next hop: "[x.example" is not a valid relay host: missing "]"'],
    ['smtp:a b', 'next hop: "a b" is not a valid relay host: it contains whitespace (give a single destination)'],
    ['my transport:x', 'transport name "my transport" is not a master.cf service name'],
    ['lmtp:a b', 'next hop "a b" contains whitespace'],
    ['error:x\ny', 'it contains a control character (U+000A, line feed)'],
  ];
  for (const [text, reason] of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const message = `${JSON.stringify(text)} is not a valid transport(5) value: ${reason}`;
      expectError(() => parseTransportValue(text), message);
      expect(checkTransportValue(text)).toBe(message);
    });
  }
});

describe('list parameters', () => {
  it('inet_interfaces', () => {
    expect(validateInetInterfaces('all')).toBe('all');
    expect(validateInetInterfaces('ALL')).toBe('all');
    expect(validateInetInterfaces(' loopback-only ')).toBe('loopback-only');
    expect(validateInetInterfaces('127.0.0.1, ::1')).toBe('127.0.0.1, [::1]');
    expect(validateInetInterfaces('127.0.0.1 [0:0::1]')).toBe('127.0.0.1, [::1]');
    expect(validateInetInterfaces('192.168.1.2,127.0.0.1')).toBe('192.168.1.2, 127.0.0.1');
    expect(validateInetInterfaces('Mail.Example.com localhost $myhostname')).toBe(
      'mail.example.com, localhost, $myhostname',
    );
    expect(validateInetInterfaces('127.0.0.1 127.0.0.1')).toBe('127.0.0.1');
    expect(checkInetInterfaces('all')).toBeNull();
    const bad: Array<[string, string]> = [
      ['', 'inet_interfaces must not be empty (use "all" or "loopback-only")'],
      [' , ', 'inet_interfaces must not be empty (use "all" or "loopback-only")'],
      ['all, 127.0.0.1', 'inet_interfaces: "all" cannot be combined with other entries'],
      ['10.0.0.256', 'inet_interfaces: "10.0.0.256" is not a valid IPv4 address'],
      ['[::1', 'inet_interfaces: "[::1" is missing "]"'],
      ['[localhost]', 'inet_interfaces: "localhost" is not an IP address'],
      ['mail_x', 'inet_interfaces: "mail_x" is not a valid host name: label "mail_x" contains "_"'],
      ['127.0.0.1\n::1', 'inet_interfaces contains a control character (U+000A, line feed)'],
    ];
    for (const [text, message] of bad) {
      expectError(() => validateInetInterfaces(text), message);
      expect(checkInetInterfaces(text)).toBe(message);
    }
  });

  it('proxy_interfaces', () => {
    expect(validateProxyInterfaces('')).toBe('');
    expect(validateProxyInterfaces('1.2.3.4')).toBe('1.2.3.4');
    expect(validateProxyInterfaces('1.2.3.4, 2001:DB8::1 gw.Example.com')).toBe(
      '1.2.3.4, [2001:db8::1], gw.example.com',
    );
    expect(checkProxyInterfaces('[2001:db8::1]')).toBeNull();
    expectError(
      () => validateProxyInterfaces('all'),
      'proxy_interfaces: "all" is not allowed here; list the proxy\'s outside addresses',
    );
    expectError(() => validateProxyInterfaces('1.2.3'), 'proxy_interfaces: "1.2.3" is not a valid IPv4 address');
    expect(checkProxyInterfaces('Loopback-Only')).toBe(
      'proxy_interfaces: "loopback-only" is not allowed here; list the proxy\'s outside addresses',
    );
  });

  it('inet_protocols', () => {
    expect(validateInetProtocols('all')).toBe('all');
    expect(validateInetProtocols('IPv4')).toBe('ipv4');
    expect(validateInetProtocols('ipv6')).toBe('ipv6');
    expect(validateInetProtocols('ipv6, ipv4')).toBe('ipv4, ipv6');
    expect(validateInetProtocols('ipv4 ipv4')).toBe('ipv4');
    expect(checkInetProtocols('ipv4,ipv6')).toBeNull();
    expectError(
      () => validateInetProtocols(''),
      'inet_protocols must not be empty (use "all", "ipv4", "ipv6" or "ipv4, ipv6")',
    );
    expectError(
      () => validateInetProtocols('ipv5'),
      'inet_protocols: "ipv5" is not a protocol (expected all, ipv4 or ipv6)',
    );
    expectError(() => validateInetProtocols('all ipv4'), 'inet_protocols: "all" cannot be combined with other entries');
    expect(checkInetProtocols('x')).toBe('inet_protocols: "x" is not a protocol (expected all, ipv4 or ipv6)');
  });

  it('notify_classes', () => {
    expect(validateNotifyClasses('')).toBe('');
    expect(validateNotifyClasses('resource, software')).toBe('resource, software');
    expect(validateNotifyClasses('Bounce 2bounce,delay')).toBe('bounce, 2bounce, delay');
    expect(validateNotifyClasses('bounce bounce data policy protocol')).toBe('bounce, data, policy, protocol');
    expect(checkNotifyClasses('software')).toBeNull();
    const message =
      'notify_classes: "spam" is not an error class (expected bounce, 2bounce, data, delay, policy, protocol, resource, software)';
    expectError(() => validateNotifyClasses('resource spam'), message);
    expect(checkNotifyClasses('spam')).toBe(message);
  });
});

// ------------------------------------------------------------------------------------------
// parseCidr against the real Postfix.

const V4_BITS = 32n;
const V6_BITS = 128n;

interface GenCidr {
  input: string;
  family: 4 | 6;
  net: bigint;
  prefix: number;
}

function randomBigInt(rng: Rng, bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(rng.int(0, 0xffff));
  return v & ((1n << BigInt(bits)) - 1n);
}

function mask(bits: bigint, prefix: number): bigint {
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** A random valid network in one of the textual forms parseCidr accepts. */
function randomCidr(rng: Rng): GenCidr {
  if (rng.chance(0.5)) {
    let addr = randomBigInt(rng, 32);
    const first = rng.pick([10, 172, 192, 100, rng.int(1, 223)]);
    addr = (BigInt(first === 127 ? 128 : first) << 24n) | (addr & 0xffffffn);
    const prefix = rng.int(8, 32);
    const net = addr & mask(V4_BITS, prefix);
    const text = Address4.fromBigInt(net).correctForm();
    const form = rng.int(0, 3);
    const input = prefix === 32 && form === 0 ? text : form === 1 ? `[${text}]/${prefix}` : `${text}/${prefix}`;
    return { input, family: 4, net, prefix };
  }
  const top = rng.chance(0.7) ? 0x2000n + BigInt(rng.int(0, 0x1fff)) : 0xfd00n + BigInt(rng.int(0, 0xff));
  const addr = (top << 112n) | randomBigInt(rng, 112);
  const prefix = rng.int(16, 128);
  const net = addr & mask(V6_BITS, prefix);
  const a = Address6.fromBigInt(net);
  const text = rng.pick([
    a.correctForm(),
    a.canonicalForm(),
    a.correctForm().toUpperCase(),
    a.canonicalForm().toUpperCase(),
  ]);
  const form = rng.int(0, 3);
  const input =
    prefix === 128 && form === 0
      ? text
      : form === 1
        ? `[${text}]/${prefix}`
        : form === 2
          ? `[${text}/${prefix}]`
          : `${text}/${prefix}`;
  return { input, family: 6, net, prefix };
}

function addrText(family: 4 | 6, v: bigint): string {
  return family === 4 ? Address4.fromBigInt(v).correctForm() : Address6.fromBigInt(v).correctForm();
}

/** First, last and the two neighbouring addresses of each network. */
function probeAddresses(cidrs: GenCidr[]): Array<{ family: 4 | 6; addr: string; value: bigint }> {
  const out: Array<{ family: 4 | 6; addr: string; value: bigint }> = [];
  for (const c of cidrs) {
    const bits = c.family === 4 ? V4_BITS : V6_BITS;
    const last = c.net | ((1n << (bits - BigInt(c.prefix))) - 1n);
    for (const v of [c.net, last, c.net - 1n, last + 1n]) {
      if (v < 0n || v >= 1n << bits) continue;
      out.push({ family: c.family, addr: addrText(c.family, v), value: v });
    }
  }
  return out;
}

function contains(c: GenCidr, family: 4 | 6, v: bigint): boolean {
  const bits = family === 4 ? V4_BITS : V6_BITS;
  return c.family === family && (v & mask(bits, c.prefix)) === c.net;
}

const GENERATED = 60;

function generatedCidrs(seed: number): GenCidr[] {
  const rng = new Rng(seed);
  return Array.from({ length: GENERATED }, () => randomCidr(rng));
}

describe('parseCidr on generated networks', () => {
  it(`normalises ${GENERATED * 4} generated inputs to the exact network`, () => {
    for (let seed = 1; seed <= 4; seed++) {
      for (const c of generatedCidrs(seed)) {
        const p = parseCidr(c.input);
        const network = addrText(c.family, c.net);
        expect(p, c.input).toEqual({
          family: c.family,
          network,
          prefix: c.prefix,
          postfix: c.family === 4 ? `${network}/${c.prefix}` : `[${network}]/${c.prefix}`,
        });
      }
    }
  });
});

describePostfix('parseCidr against the real Postfix', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('mailsetup-cidr-');
    writeMainCf(dir);
  });
  afterAll(() => cleanup(dir));

  it(`cidr_match_parse (via a cidr: table) accepts the ${GENERATED} normalised forms and matches the same addresses`, async () => {
    const cidrs = generatedCidrs(101);
    const table = cidrs.map((c, i) => `${parseCidr(c.input).postfix} rule${i}\n`).join('');
    const path = join(dir, 'networks.cidr');
    writeFileSync(path, table);
    const probes = probeAddresses(cidrs);
    const r = await runAsync(
      'postmap',
      ['-c', dir, '-q', '-', `cidr:${path}`],
      probes.map((p) => `${p.addr}\n`).join(''),
    );
    expect(r.stderr).toBe('');
    const found = new Map(
      r.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\t') as [string, string]),
    );
    for (const p of probes) {
      const first = cidrs.findIndex((c) => contains(c, p.family, p.value));
      expect(found.get(p.addr), p.addr).toBe(first < 0 ? undefined : `rule${first}`);
    }
    expect(probes.length).toBeGreaterThan(3 * GENERATED);
  });

  it(`refuses what Postfix refuses, with the same suggestion for host bits (${GENERATED} generated inputs)`, async () => {
    const rng = new Rng(202);
    const inputs: Array<{ text: string; hostBits: boolean }> = [];
    for (let i = 0; i < GENERATED; i++) {
      const c = randomCidr(rng);
      const bits = c.family === 4 ? 32 : 128;
      const kind = rng.int(0, 3);
      const text = addrText(c.family, c.net);
      if (kind <= 1 && c.prefix < bits) {
        const hostBit = 1n << BigInt(rng.int(0, bits - c.prefix - 1));
        inputs.push({ text: `${addrText(c.family, c.net | hostBit)}/${c.prefix}`, hostBits: true });
      } else if (kind === 2) {
        inputs.push({ text: `${text}/${bits + rng.int(1, 9)}`, hostBits: false });
      } else if (c.family === 4) {
        inputs.push({ text: `0${text}/${c.prefix}`, hostBits: false });
      } else {
        inputs.push({ text: `g${text.slice(1)}/${c.prefix}`, hostBits: false });
      }
    }
    const path = join(dir, 'bad.cidr');
    writeFileSync(path, inputs.map((x) => `${x.text} bad\n`).join(''));
    const r = await runAsync('postmap', ['-c', dir, '-q', '192.0.2.1', `cidr:${path}`]);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('postmap: warning: '));
    expect(warnings.length).toBe(inputs.length);
    inputs.forEach((x, i) => {
      const w = warnings[i];
      expect(w).toContain(`${path}, line ${i + 1}: `);
      const message = checkCidr(x.text);
      expect(message, x.text).not.toBeNull();
      if (x.hostBits) {
        const postfixSuggestion = /perhaps you should use "([^"]+)" instead/.exec(w)?.[1];
        const ours = /did you mean "([^"]+)"\?/.exec(message as string)?.[1];
        expect(ours?.replace(/^\[([^\]]+)\]/, '$1'), w).toBe(postfixSuggestion);
      }
    });
  });

  it('postconf and postfix check do not validate mynetworks (so they are no oracle)', () => {
    const list = generatedCidrs(303)
      .map((c) => parseCidr(c.input).postfix)
      .join(' ');
    writeMainCf(dir, `compatibility_level = 3.6\nmynetworks = ${list}\n`);
    const ok = postconf(dir, ['-h', 'mynetworks']);
    expect(ok.stdout).toBe(`${list}\n`);
    expect(ok.stderr).not.toContain('mynetworks');
    writeMainCf(dir, 'compatibility_level = 3.6\nmynetworks = 192.168.1.5/24 garbage/99 2001:db8::/32\n');
    const garbage = postconf(dir, ['-h', 'mynetworks']);
    expect(garbage.status).toBe(0);
    expect(garbage.stderr).not.toContain('mynetworks');
    const garbageCheck = spawnSync('postfix', ['-c', dir, 'check'], { encoding: 'utf8' });
    expect(garbageCheck.stderr).not.toContain('mynetworks');
    writeMainCf(dir);
  });
});

const describeSmtpd = needsRoot('mynetworks in a real smtpd', 'its master runs as root')
  ? describePostfix
  : describe.skip;

describeSmtpd('mynetworks in a real smtpd (private instance on 127.0.0.1)', () => {
  it(`smtpd's permit_mynetworks agrees with parseCidr for ${GENERATED} generated networks`, async () => {
    const cidrs = generatedCidrs(404);
    const mynetworks = cidrs.map((c) => parseCidr(c.input).postfix).join(' ');
    const probe = await SmtpdProbe.start(mynetworks);
    try {
      const probes = probeAddresses(cidrs);
      const verdicts: EhloVerdict[] = [];
      for (const p of probes) verdicts.push(await probe.verdict(p.addr));
      probes.forEach((p, i) => {
        const expected = cidrs.some((c) => contains(c, p.family, p.value)) ? 250 : 554;
        expect(verdicts[i].xclient, p.addr).toMatch(/^220 /);
        expect(verdicts[i].code, `${p.addr}: ${verdicts[i].ehlo}`).toBe(expected);
      });
      expect(probes.length).toBeGreaterThan(3 * GENERATED);
      await new Promise((r) => setTimeout(r, 300));
      expect(probe.log()).not.toMatch(/postfix\/smtpd\[\d+\]: (warning|error|fatal)/);
    } finally {
      probe.stop();
    }
  }, 120_000);

  it('an unbracketed IPv6 network is read as a lookup table: smtpd answers 451 to everything after it', async () => {
    expect(parseCidr('2001:db8::/32').postfix).toBe('[2001:db8::]/32');
    const probe = await SmtpdProbe.start('192.0.2.0/24 2001:db8::/32');
    try {
      expect((await probe.verdict('192.0.2.7')).code).toBe(250);
      expect((await probe.verdict('2001:db8::1')).code).toBe(451);
      expect((await probe.verdict('198.51.100.1')).code).toBe(451);
      await new Promise((r) => setTimeout(r, 300));
      expect(probe.log()).toContain('unsupported dictionary type: 2001');
      expect(probe.log()).toContain('warning: mynetworks: 2001:db8::/32: table lookup problem');
    } finally {
      probe.stop();
    }
    const fixed = await SmtpdProbe.start(`192.0.2.0/24 ${parseCidr('2001:db8::/32').postfix}`);
    try {
      expect((await fixed.verdict('2001:db8::1')).code).toBe(250);
      expect((await fixed.verdict('198.51.100.1')).code).toBe(554);
    } finally {
      fixed.stop();
    }
  }, 120_000);
});
