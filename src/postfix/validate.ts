/**
 * Validators for the values mailsetup writes into Postfix files. Every validator is a pure
 * function that returns the normalised value or throws a `ValidationError` whose message names
 * the problem exactly; each has a non-throwing `check*` twin that returns the message or null.
 *
 * Every IP address and network goes through the `ip-address` package (strict: no leading zeros
 * in IPv4 octets, which matches glibc's inet_pton that Postfix uses).
 */
import { Address4, Address6 } from 'ip-address';
import { splitList } from './lists.js';
import { coversAll as coversAllNetworks, isPublicNetwork } from './network.js';

/** The error every validator throws; `message` is meant for the user as is. */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/**
 * Quote a value for a message: JSON string syntax, so control characters stay visible; a value
 * longer than 512 characters is cut, with its length said (a message never echoes a huge value).
 */
export function quoteForMessage(text: string): string {
  if (text.length <= 512) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, 512))}… (${text.length} characters)`;
}

const q = quoteForMessage;

function fail(message: string): never {
  throw new ValidationError(message);
}

/** Run a validator and return its message instead of throwing (null when valid). */
function messageOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (e) {
    if (e instanceof ValidationError) return e.message;
    throw e;
  }
}

const CONTROL_NAMES: Record<number, string> = {
  0: 'NUL',
  9: 'tab',
  10: 'line feed',
  11: 'vertical tab',
  12: 'form feed',
  13: 'carriage return',
  27: 'escape',
  127: 'DEL',
};

/** "U+000A, line feed" for a control character code. */
export function describeControlChar(code: number): string {
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  const name = CONTROL_NAMES[code];
  return name ? `U+${hex}, ${name}` : `U+${hex}`;
}

/**
 * Index of the first control character in `text` (C0 controls and DEL; TAB only when
 * `allowTab` is false), or -1.
 */
export function findControlChar(text: string, allowTab: boolean): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && !(allowTab && c === 9)) || c === 0x7f) return i;
  }
  return -1;
}

/**
 * A value that is written on one line of a Postfix file: no control characters (C0 except TAB,
 * and DEL), hence no line feed or carriage return. Returns `value` unchanged.
 * Message: `<what> contains a control character (U+000A, line feed)`.
 */
export function assertPlainValue(value: string, what: string): string {
  const at = findControlChar(value, true);
  if (at >= 0) fail(`${what} contains a control character (${describeControlChar(value.charCodeAt(at))})`);
  return value;
}

/** Non-throwing `assertPlainValue`: the message, or null. */
export function checkPlainValue(value: string, what: string): string | null {
  return messageOf(() => assertPlainValue(value, what));
}

// ------------------------------------------------------------------------------------------
// Host and domain names

/** Options for `validateHostname`. */
export interface HostnameOptions {
  /** Accept a name without a dot ("localhost", "uucphost"). Default false. */
  allowSingleLabel?: boolean;
}

function validateName(name: string, kind: string, allowSingleLabel: boolean): string {
  const bad = (reason: string): never => fail(`${q(name)} is not a valid ${kind}: ${reason}`);
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n === '') bad('it is empty');
  if (n.length > 253) bad(`it is ${n.length} characters long (at most 253)`);
  const labels = n.split('.');
  if (labels.length === 1 && !allowSingleLabel) {
    bad('it needs at least one dot (a fully qualified name such as "mail.example.com")');
  }
  for (const label of labels) {
    if (label === '') bad('it contains an empty label');
    if (label.length > 63) bad(`label ${q(label)} is ${label.length} characters long (at most 63)`);
    for (const ch of label) {
      if (!/^[A-Za-z0-9-]$/.test(ch)) bad(`label ${q(label)} contains ${q(ch)}`);
    }
    if (label.startsWith('-')) bad(`label ${q(label)} starts with "-"`);
    if (label.endsWith('-')) bad(`label ${q(label)} ends with "-"`);
  }
  const last = labels[labels.length - 1];
  if (/^[0-9]+$/.test(last)) bad(`the last label ${q(last)} is all digits`);
  return n.toLowerCase();
}

/**
 * A host name (FQDN): at most 253 characters, labels of 1–63 characters from [A-Za-z0-9-]
 * that neither start nor end with "-", the last label not all digits, at least one dot unless
 * `allowSingleLabel`. One trailing dot is stripped; the result is lowercased.
 * Message form: `"mail_example.com" is not a valid host name: label "mail_example" contains "_"`.
 */
export function validateHostname(name: string, options: HostnameOptions = {}): string {
  return validateName(name, 'host name', options.allowSingleLabel === true);
}

/** Non-throwing `validateHostname`. */
export function checkHostname(name: string, options: HostnameOptions = {}): string | null {
  return messageOf(() => validateHostname(name, options));
}

/** A domain name: the host name rules, at least one dot. Messages say "domain name". */
export function validateDomain(name: string): string {
  return validateName(name, 'domain name', false);
}

/** Non-throwing `validateDomain`. */
export function checkDomain(name: string): string | null {
  return messageOf(() => validateDomain(name));
}

// ------------------------------------------------------------------------------------------
// Email addresses

const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]$/;

function checkLocalPart(local: string, bad: (reason: string) => never): void {
  if (local === '') bad('the local part is empty');
  if (local.length > 64) bad(`the local part is ${local.length} characters long (at most 64)`);
  if (local.startsWith('"')) {
    let i = 1;
    for (; i < local.length; i++) {
      const ch = local[i];
      const code = local.charCodeAt(i);
      if (code < 0x20 || code === 0x7f) {
        bad(`the local part contains a control character (${describeControlChar(code)})`);
      }
      if (code > 0x7e) bad(`the local part ${q(local)} contains ${q(ch)}`);
      if (ch === '\\') {
        i++;
        if (i >= local.length) break;
        const esc = local.charCodeAt(i);
        if (esc < 0x20 || esc === 0x7f) {
          bad(`the local part contains a control character (${describeControlChar(esc)})`);
        }
        if (esc > 0x7e) bad(`the local part ${q(local)} contains ${q(local[i])}`);
        continue;
      }
      if (ch === '"') break;
    }
    if (i >= local.length) bad(`the local part ${q(local)} has an unterminated quote`);
    if (i !== local.length - 1) bad(`the local part ${q(local)} has text after the closing quote`);
    if (local.length === 2) bad('the quoted local part is empty');
    return;
  }
  if (local.startsWith('.')) bad(`the local part ${q(local)} starts with "."`);
  if (local.endsWith('.')) bad(`the local part ${q(local)} ends with "."`);
  if (local.includes('..')) bad(`the local part ${q(local)} contains ".."`);
  for (const ch of local) {
    if (ch !== '.' && !ATEXT.test(ch)) bad(`the local part ${q(local)} contains ${q(ch)}`);
  }
}

/**
 * An email address `local@domain`: the local part is a dot-atom (RFC 5322 atext separated by
 * single dots) or a quoted string (printable ASCII, `\` escapes), at most 64 characters; the
 * domain passes `validateDomain`. Returns `local@domain` with the domain lowercased.
 */
export function validateEmail(addr: string, options: EmailOptions = {}): string {
  const bad = (reason: string): never => fail(`${q(addr)} is not a valid email address: ${reason}`);
  if (addr === '') bad('it is empty');
  const at = addr.lastIndexOf('@');
  if (at < 0) bad('it has no "@"');
  const local = addr.slice(0, at);
  const domain = addr.slice(at + 1);
  checkLocalPart(local, bad);
  if (domain === '') bad('the domain is empty');
  let normal = '';
  try {
    const single = domain.toLowerCase();
    normal = (options.singleLabelDomains ?? []).includes(single) ? single : validateDomain(domain);
  } catch (e) {
    if (e instanceof ValidationError) bad(e.message);
    throw e;
  }
  return `${local}@${normal}`;
}

/** Options for `validateEmail`. */
export interface EmailOptions {
  /** Domains without a dot accepted after the "@" (e.g. ["localhost"] for root@localhost). */
  singleLabelDomains?: readonly string[];
}

/** Non-throwing `validateEmail`. */
export function checkEmail(addr: string, options: EmailOptions = {}): string | null {
  return messageOf(() => validateEmail(addr, options));
}

/** A local part as local(8) sees it: quotes removed, backslash escapes resolved. */
export function unquoteLocalPart(local: string): string {
  if (!local.startsWith('"')) return local.replace(/\\(.)/g, '$1');
  let out = '';
  for (let i = 1; i < local.length; i++) {
    const ch = local[i];
    if (ch === '\\' && i + 1 < local.length) {
      out += local[++i];
      continue;
    }
    if (ch === '"') break;
    out += ch;
  }
  return out;
}

/**
 * A target mailsetup writes into aliases(5) or virtual(5): a local user name (`admin`) or an
 * address (`admin@example.com`, quoted as needed), never something local(8) would run, append
 * to or read: after quote removal the local part must not start with `|` (a command), `/` (a
 * file) or `:include:`, whatever the quoting, and holds no routing (`!`, `%`, another `@`).
 * Returns the target unchanged.
 */
export function validateAliasTarget(target: string): string {
  const bad = (reason: string): never => fail(`${q(target)} cannot be written as an alias target: ${reason}`);
  if (target === '') bad('it is empty');
  const ctl = findControlChar(target, false);
  if (ctl >= 0) bad(`it contains a control character (${describeControlChar(target.charCodeAt(ctl))})`);
  const at = target.lastIndexOf('@');
  const local = unquoteLocalPart(at < 0 ? target : target.slice(0, at));
  const word = local.trimStart();
  if (word.startsWith('|')) bad('aliases(5) would run it as a command ("|…"); give a mailbox address');
  if (word.startsWith('/')) bad('aliases(5) would append mail to it as a file ("/…"); give a mailbox address');
  if (word.toLowerCase().startsWith(':include:'))
    bad('aliases(5) would read it as an include file; give a mailbox address');
  if (/[!%@]/.test(local)) bad('its local part routes mail onwards ("!", "%" or "@"); give the final address');
  if (/[,\s]/.test(local) && !target.startsWith('"')) bad('it would be read as several targets');
  return target;
}

/** Non-throwing `validateAliasTarget`. */
export function checkAliasTarget(target: string): string | null {
  return messageOf(() => validateAliasTarget(target));
}

// ------------------------------------------------------------------------------------------
// IP addresses and networks

/** A parsed network. `postfix` is the form Postfix wants in mynetworks (IPv6 in brackets). */
export interface Cidr {
  family: 4 | 6;
  /** Network address, canonical (IPv6 compressed, lowercase). */
  network: string;
  prefix: number;
  /** `192.168.1.0/24`, `[2001:db8::]/32`, `[::1]/128`. */
  postfix: string;
}

type IpParse = { family: 4; addr: Address4 } | { family: 6; addr: Address6 };

/** Parse a bare IP address (no prefix, no brackets); returns a reason string on failure. */
function parseIp(text: string): IpParse | string {
  if (text === '') return 'the address is empty';
  if (text.includes(':')) {
    if (text.includes('%')) return `${q(text)} has a zone identifier, which is not allowed here`;
    if (!/^[0-9A-Fa-f:.]+$/.test(text)) return `${q(text)} is not a valid IPv6 address`;
    try {
      return { family: 6, addr: new Address6(text) };
    } catch {
      return `${q(text)} is not a valid IPv6 address`;
    }
  }
  if (!/^[0-9.]+$/.test(text)) return `${q(text)} is not an IP address`;
  if (/(^|\.)0[0-9]/.test(text)) return `${q(text)} is not a valid IPv4 address (leading zeros are not allowed)`;
  try {
    return { family: 4, addr: new Address4(text) };
  } catch {
    return `${q(text)} is not a valid IPv4 address`;
  }
}

function cidrForm(family: 4 | 6, network: string, prefix: number): string {
  return family === 4 ? `${network}/${prefix}` : `[${network}]/${prefix}`;
}

/**
 * Parse a network for mynetworks: `a.b.c.d`, `a.b.c.d/n`, an IPv6 address with or without
 * brackets (`2001:db8::/32`, `[2001:db8::]/32`, `[2001:db8::/32]`); bracketed IPv4 is also
 * accepted. A bare address means /32 or /128. Refused: host bits set (the message suggests the
 * network), a prefix out of range, zone identifiers, anything else.
 *
 * Postfix itself needs the bracketed IPv6 form in mynetworks: an unbracketed `2001:db8::/32`
 * is taken as a lookup table of type "2001" (smtpd logs `unsupported dictionary type: 2001`
 * and answers 451 to every client that no earlier entry matched) — verified against
 * Postfix 3.7.11 in test/postfix/validate.test.ts. `postfix` always has the safe form.
 */
export function parseCidr(text: string): Cidr {
  const bad = (reason: string): never => fail(`${q(text)} is not a valid network address: ${reason}`);
  if (text === '') bad('it is empty');
  const ctl = findControlChar(text, false);
  if (ctl >= 0) bad(`it contains a control character (${describeControlChar(text.charCodeAt(ctl))})`);
  if (/\s/.test(text)) bad('it contains whitespace');
  let addrText: string;
  let prefixText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) bad('missing "]"');
    const inner = text.slice(1, close);
    const rest = text.slice(close + 1);
    const innerSlash = inner.indexOf('/');
    if (rest !== '' && (rest[0] !== '/' || innerSlash >= 0)) bad(`garbage after "]"`);
    if (innerSlash >= 0) {
      addrText = inner.slice(0, innerSlash);
      prefixText = inner.slice(innerSlash + 1);
    } else {
      addrText = inner;
      prefixText = rest === '' ? undefined : rest.slice(1);
    }
  } else {
    const slash = text.indexOf('/');
    addrText = slash < 0 ? text : text.slice(0, slash);
    prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  }
  if (prefixText !== undefined && !/^[0-9]+$/.test(prefixText)) {
    bad(`the prefix length ${q(prefixText)} is not a number`);
  }
  const ip = parseIp(addrText);
  if (typeof ip === 'string') bad(ip);
  const parsed = ip as IpParse;
  const bits = parsed.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number.parseInt(prefixText, 10);
  if (prefix > bits) bad(`the prefix length ${prefix} is out of range (0-${bits})`);
  const address = parsed.addr.correctForm();
  const network =
    parsed.family === 4
      ? new Address4(`${address}/${prefix}`).startAddress().correctForm()
      : new Address6(`${address}/${prefix}`).startAddress().correctForm();
  if (network !== address) {
    bad(`host bits are set; did you mean ${q(cidrForm(parsed.family, network, prefix))}?`);
  }
  return { family: parsed.family, network, prefix, postfix: cidrForm(parsed.family, network, prefix) };
}

/** Non-throwing `parseCidr`. */
export function checkCidr(text: string): string | null {
  return messageOf(() => parseCidr(text));
}

/**
 * True if any part of the network lies outside the private (RFC 1918), loopback, link-local,
 * CGNAT (100.64.0.0/10), IPv6 loopback, link-local and ULA (fc00::/7) ranges. IPv4-mapped IPv6
 * networks (::ffff:0:0/96) are judged by their IPv4 part. A text is parsed with parseCidr first
 * (and refused as it refuses it); the arithmetic is src/postfix/network.ts.
 */
export function isPublic(cidr: Cidr | string): boolean {
  return isPublicNetwork(typeof cidr === 'string' ? parseCidr(cidr) : cidr);
}

/** True for a /0 network (every IPv4 or every IPv6 address). */
export function coversAll(cidr: Cidr | string): boolean {
  return coversAllNetworks(typeof cidr === 'string' ? parseCidr(cidr) : cidr);
}

// ------------------------------------------------------------------------------------------
// relayhost and transport(5) next hops

/** A parsed relayhost / SMTP next hop. */
export interface Relayhost {
  /** Host name (lowercased), IP address (canonical, IPv6 without "ipv6:"), or `$name`. */
  host: string;
  /** `[...]`: no MX lookup. */
  bracketed: boolean;
  /** Port number or service name ("submission"). */
  port?: number | string;
  /** The normalised text to write: `[mail.example.com]:587`, `[2001:db8::1]`, `$mydomain`. */
  form: string;
}

const REFERENCE = /^\$(?:[A-Za-z0-9_]+|\{[A-Za-z0-9_]+\}|\([A-Za-z0-9_]+\))$/;

function relayPort(portText: string, bad: (reason: string) => never): number | string {
  if (portText === '') bad('the port is empty');
  if (/^[0-9]+$/.test(portText)) {
    const n = Number.parseInt(portText, 10);
    if (n === 0 || n > 65535) bad(`port ${portText} is out of range (1-65535)`);
    return n;
  }
  if (/^[0-9]/.test(portText)) bad(`port ${q(portText)} is not a number`);
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(portText)) bad(`port ${q(portText)} is not a port number or service name`);
  return portText;
}

function relayName(host: string, bad: (reason: string) => never): string {
  if (host.startsWith('$')) {
    if (!REFERENCE.test(host)) bad(`${q(host)} is not a valid $name reference`);
    return host;
  }
  try {
    return validateHostname(host, { allowSingleLabel: true });
  } catch (e) {
    if (e instanceof ValidationError) bad(e.message);
    throw e;
  }
}

/**
 * Parse one relayhost destination: `host`, `host:port`, `[host]`, `[host]:port`, `[1.2.3.4]`,
 * `[2001:db8::1]`, `[ipv6:2001:db8::1]` (the prefix is dropped in `form`), `$mydomain`-style
 * references (kept as written), ports as numbers 1–65535 or service names. Refused: empty,
 * whitespace or commas (one destination only), unbracketed IP addresses, bad ports, bad names.
 */
export function parseRelayhost(text: string): Relayhost {
  const bad = (reason: string): never => fail(`${q(text)} is not a valid relay host: ${reason}`);
  if (text === '') bad('it is empty');
  const ctl = findControlChar(text, false);
  if (ctl >= 0) bad(`it contains a control character (${describeControlChar(text.charCodeAt(ctl))})`);
  if (/\s/.test(text)) bad('it contains whitespace (give a single destination)');
  if (text.includes(',')) bad('it contains "," (give a single destination)');
  let host: string;
  let hostForm: string;
  let portText: string | undefined;
  let bracketed = false;
  if (text.startsWith('[')) {
    bracketed = true;
    const close = text.indexOf(']');
    if (close < 0) bad('missing "]"');
    const inner = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && rest[0] !== ':') bad('garbage after "]"');
    portText = rest === '' ? undefined : rest.slice(1);
    if (inner === '') bad('the host is empty');
    const v6 = /^ipv6:/i.test(inner) ? inner.slice(5) : inner.includes(':') ? inner : undefined;
    if (v6 !== undefined) {
      const ip = parseIp(v6);
      if (typeof ip === 'string' || ip.family !== 6) bad(`${q(v6)} is not a valid IPv6 address`);
      host = (ip as IpParse).addr.correctForm();
    } else if (/^[0-9.]+$/.test(inner)) {
      const ip = parseIp(inner);
      if (typeof ip === 'string') bad(ip);
      host = (ip as IpParse).addr.correctForm();
    } else {
      host = relayName(inner, bad);
    }
    hostForm = `[${host}]`;
  } else {
    const colons = text.split(':').length - 1;
    if (colons > 1) bad('an IPv6 address must be written in brackets, e.g. "[2001:db8::1]"');
    const colon = text.indexOf(':');
    const hostText = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (hostText === '') bad('the host is empty');
    if (/^[0-9.]+$/.test(hostText)) {
      bad(`write an IP address in brackets: ${q(`[${hostText}]${colon < 0 ? '' : text.slice(colon)}`)}`);
    }
    host = relayName(hostText, bad);
    hostForm = host;
  }
  const port = portText === undefined ? undefined : relayPort(portText, bad);
  const form = port === undefined ? hostForm : `${hostForm}:${port}`;
  return port === undefined ? { host, bracketed, form } : { host, bracketed, port, form };
}

/** Non-throwing `parseRelayhost`. */
export function checkRelayhost(text: string): string | null {
  return messageOf(() => parseRelayhost(text));
}

/** A parsed transport(5) result `transport:nexthop`. */
export interface TransportValue {
  /** Transport (master.cf service) name; '' keeps the default transport. */
  transport: string;
  /** Next hop, normalised for smtp/relay/empty transports; absent when empty. */
  nexthop?: string;
  /** The normalised value: `relay:[host]:25`, `local`, `:`, `:[gw.example.com]`, `error:text`. */
  form: string;
}

const SMTP_LIKE = new Set(['', 'smtp', 'relay']);
const TEXT_NEXTHOP = new Set(['error', 'retry', 'discard']);

/**
 * Parse a transport(5) table value: the transport is the text before the first ":", the next
 * hop the rest. `local` (no colon) and `:` (both empty) are valid. For `smtp`, `relay` and an
 * empty transport the next hop must be a single relayhost destination (`parseRelayhost`); for
 * `error`, `retry`, `discard` it is free text; for other transports any text without whitespace.
 */
export function parseTransportValue(text: string): TransportValue {
  const bad = (reason: string): never => fail(`${q(text)} is not a valid transport(5) value: ${reason}`);
  if (text === '') bad('it is empty (":" keeps the default transport and next hop)');
  const ctl = findControlChar(text, false);
  if (ctl >= 0) bad(`it contains a control character (${describeControlChar(text.charCodeAt(ctl))})`);
  const colon = text.indexOf(':');
  const transport = colon < 0 ? text : text.slice(0, colon);
  const rawHop = colon < 0 ? '' : text.slice(colon + 1);
  if (transport !== '' && !/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(transport)) {
    bad(`transport name ${q(transport)} is not a master.cf service name`);
  }
  let nexthop = rawHop;
  if (rawHop !== '') {
    if (SMTP_LIKE.has(transport)) {
      try {
        nexthop = parseRelayhost(rawHop).form;
      } catch (e) {
        if (e instanceof ValidationError) bad(`next hop: ${e.message}`);
        throw e;
      }
    } else if (!TEXT_NEXTHOP.has(transport) && /\s/.test(rawHop)) {
      bad(`next hop ${q(rawHop)} contains whitespace`);
    }
  }
  const form = nexthop === '' ? (transport === '' ? ':' : transport) : `${transport}:${nexthop}`;
  return nexthop === '' ? { transport, form } : { transport, nexthop, form };
}

/** Non-throwing `parseTransportValue`. */
export function checkTransportValue(text: string): string | null {
  return messageOf(() => parseTransportValue(text));
}

// ------------------------------------------------------------------------------------------
// Lists: inet_interfaces, proxy_interfaces, inet_protocols, notify_classes

function checkListText(text: string, param: string): void {
  const ctl = findControlChar(text, true);
  if (ctl >= 0) fail(`${param} contains a control character (${describeControlChar(text.charCodeAt(ctl))})`);
}

/** An interface address or host name; IPv6 written as `[addr]`, IPv4 bare, names lowercased. */
function interfaceItem(item: string, param: string): string {
  const bad = (reason: string): never => fail(`${param}: ${reason}`);
  if (item.startsWith('$')) {
    if (!REFERENCE.test(item)) bad(`${q(item)} is not a valid $name reference`);
    return item;
  }
  let inner = item;
  let bracketed = false;
  if (item.startsWith('[')) {
    if (!item.endsWith(']')) bad(`${q(item)} is missing "]"`);
    inner = item.slice(1, -1);
    bracketed = true;
  }
  if (bracketed || inner.includes(':') || /^[0-9.]+$/.test(inner)) {
    const ip = parseIp(inner);
    if (typeof ip === 'string') bad(ip);
    const parsed = ip as IpParse;
    return parsed.family === 6 ? `[${parsed.addr.correctForm()}]` : parsed.addr.correctForm();
  }
  try {
    return validateHostname(inner, { allowSingleLabel: true });
  } catch (e) {
    if (e instanceof ValidationError) bad(e.message);
    throw e;
  }
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)];
}

/**
 * inet_interfaces: `all`, `loopback-only`, or a list of IP addresses (IPv6 with or without
 * brackets), host names and `$name` references. Returns the list joined by ", " with keywords
 * lowercased, IPv6 as `[addr]`, duplicates dropped. Empty is refused.
 */
export function validateInetInterfaces(text: string): string {
  checkListText(text, 'inet_interfaces');
  const items = splitList(text);
  if (items.length === 0) fail('inet_interfaces must not be empty (use "all" or "loopback-only")');
  const keyword = items.find((i) => ['all', 'loopback-only'].includes(i.toLowerCase()));
  if (keyword !== undefined) {
    if (items.length > 1) fail(`inet_interfaces: ${q(keyword.toLowerCase())} cannot be combined with other entries`);
    return keyword.toLowerCase();
  }
  return dedupe(items.map((i) => interfaceItem(i, 'inet_interfaces'))).join(', ');
}

/** Non-throwing `validateInetInterfaces`. */
export function checkInetInterfaces(text: string): string | null {
  return messageOf(() => validateInetInterfaces(text));
}

/**
 * proxy_interfaces: empty (the default) or a list of IP addresses and host names (the NAT or
 * proxy's outside addresses), normalised as for inet_interfaces. `all`/`loopback-only` refused.
 */
export function validateProxyInterfaces(text: string): string {
  checkListText(text, 'proxy_interfaces');
  const items = splitList(text);
  for (const i of items) {
    const lower = i.toLowerCase();
    if (lower === 'all' || lower === 'loopback-only') {
      fail(`proxy_interfaces: ${q(lower)} is not allowed here; list the proxy's outside addresses`);
    }
  }
  return dedupe(items.map((i) => interfaceItem(i, 'proxy_interfaces'))).join(', ');
}

/** Non-throwing `validateProxyInterfaces`. */
export function checkProxyInterfaces(text: string): string | null {
  return messageOf(() => validateProxyInterfaces(text));
}

/**
 * inet_protocols: `all`, `ipv4`, `ipv6` or both (`ipv4, ipv6` in any order or separator).
 * Returns `all`, `ipv4`, `ipv6` or `ipv4, ipv6`.
 */
export function validateInetProtocols(text: string): string {
  checkListText(text, 'inet_protocols');
  const items = splitList(text).map((i) => i.toLowerCase());
  if (items.length === 0) fail('inet_protocols must not be empty (use "all", "ipv4", "ipv6" or "ipv4, ipv6")');
  for (const i of items) {
    if (!['all', 'ipv4', 'ipv6'].includes(i)) {
      fail(`inet_protocols: ${q(i)} is not a protocol (expected all, ipv4 or ipv6)`);
    }
  }
  if (items.includes('all')) {
    if (items.some((i) => i !== 'all')) fail('inet_protocols: "all" cannot be combined with other entries');
    return 'all';
  }
  return ['ipv4', 'ipv6'].filter((p) => items.includes(p)).join(', ');
}

/** Non-throwing `validateInetProtocols`. */
export function checkInetProtocols(text: string): string | null {
  return messageOf(() => validateInetProtocols(text));
}

/** The notify_classes error classes, in postconf(5) order. */
export const NOTIFY_CLASSES = [
  'bounce',
  '2bounce',
  'data',
  'delay',
  'policy',
  'protocol',
  'resource',
  'software',
] as const;

/**
 * notify_classes: a list of bounce, 2bounce, data, delay, policy, protocol, resource, software
 * (case-insensitive; Postfix itself only accepts lowercase). Empty is allowed. Returns the
 * classes lowercased, in the given order, duplicates dropped, joined by ", ".
 */
export function validateNotifyClasses(text: string): string {
  checkListText(text, 'notify_classes');
  const items = splitList(text).map((i) => i.toLowerCase());
  for (const i of items) {
    if (!(NOTIFY_CLASSES as readonly string[]).includes(i)) {
      fail(`notify_classes: ${q(i)} is not an error class (expected ${NOTIFY_CLASSES.join(', ')})`);
    }
  }
  return dedupe(items).join(', ');
}

/** Non-throwing `validateNotifyClasses`. */
export function checkNotifyClasses(text: string): string | null {
  return messageOf(() => validateNotifyClasses(text));
}

// ------------------------------------------------------------------------------------------
// Lookup tables and pattern files named in a parameter (mynetworks, mydestination, …)

/**
 * Postfix's lookup table types (`postconf -m` lists those built into or installed with the
 * package; Debian ships pcre, lmdb, ldap, mysql, pgsql, sqlite as separate packages).
 */
export const TABLE_TYPES = [
  'btree',
  'cdb',
  'cidr',
  'dbm',
  'environ',
  'fail',
  'hash',
  'inline',
  'internal',
  'ldap',
  'lmdb',
  'memcache',
  'mysql',
  'nis',
  'nisplus',
  'pcre',
  'pgsql',
  'pipemap',
  'proxy',
  'randmap',
  'regexp',
  'sdbm',
  'socketmap',
  'sqlite',
  'static',
  'tcp',
  'texthash',
  'unionmap',
  'unix',
] as const;

/** Indexed types: postmap builds a database beside the source file (hash: FILE.db, lmdb: FILE.lmdb, …). */
export const INDEXED_TABLE_TYPES: Readonly<Record<string, string>> = {
  hash: '.db',
  btree: '.db',
  dbm: '.dir',
  sdbm: '.dir',
  lmdb: '.lmdb',
  cdb: '.cdb',
};

/** Types whose name is a text file read as is (no postmap). */
const TEXT_TABLE_TYPES = new Set(['cidr', 'pcre', 'regexp', 'texthash']);

/** A lookup table or pattern file named in a parameter's value. */
export type TableRef =
  | { kind: 'file'; text: string; path: string }
  | {
      kind: 'table';
      text: string;
      /** The type, without a proxy: prefix. */
      type: string;
      name: string;
      /** The source text file of a file-based table (hash:/etc/postfix/x → /etc/postfix/x). */
      path?: string;
      /** The database postmap builds from it (/etc/postfix/x.db), for indexed types. */
      database?: string;
    };

/** Whether a list item names a table or a pattern file rather than a value ("/file", "type:name"). */
export function looksLikeTableRef(item: string): boolean {
  if (item.startsWith('/')) return true;
  const m = /^([a-z0-9_]+):/.exec(item);
  return m !== null && (TABLE_TYPES as readonly string[]).includes(m[1]);
}

/**
 * Parse "/file/name" or "type:name" (also "proxy:type:name"). A file-based type needs an
 * absolute path; "inline:" tables hold spaces and braces that a list cannot carry: write a file.
 * Message form: `"hash:network_table" is not a valid lookup table: hash: needs an absolute path`.
 */
export function parseTableRef(text: string): TableRef {
  const bad = (reason: string): never => fail(`${q(text)} is not a valid lookup table: ${reason}`);
  const ctl = findControlChar(text, false);
  if (ctl >= 0) bad(`it contains a control character (${describeControlChar(text.charCodeAt(ctl))})`);
  if (/\s/.test(text)) bad('it contains whitespace');
  if (text.startsWith('/')) {
    if (text.includes('//') || text.endsWith('/')) bad('it is not a file name');
    return { kind: 'file', text, path: text };
  }
  let rest = text;
  if (rest.startsWith('proxy:')) rest = rest.slice('proxy:'.length);
  const colon = rest.indexOf(':');
  if (colon < 0) bad('expected type:name or /file/name');
  const type = rest.slice(0, colon);
  const name = rest.slice(colon + 1);
  if (!(TABLE_TYPES as readonly string[]).includes(type) || type === 'proxy') {
    bad(`${q(type)} is not a lookup table type (postconf -m lists them)`);
  }
  if (type === 'inline') bad('inline: tables are not accepted here: put the entries in a file');
  if (name === '') bad('the table name is empty');
  const fileBased = type in INDEXED_TABLE_TYPES || TEXT_TABLE_TYPES.has(type);
  if (fileBased) {
    if (!name.startsWith('/')) bad(`${type}: needs an absolute path, e.g. ${type}:/etc/postfix/${name}`);
    const database = INDEXED_TABLE_TYPES[type];
    return database === undefined
      ? { kind: 'table', text, type, name, path: name }
      : { kind: 'table', text, type, name, path: name, database: `${name}${database}` };
  }
  return { kind: 'table', text, type, name };
}

/** Non-throwing `parseTableRef`. */
export function checkTableRef(text: string): string | null {
  return messageOf(() => parseTableRef(text));
}

// ------------------------------------------------------------------------------------------
// Small keyword parameters

/** mynetworks_style: host, subnet or class. */
export function validateMynetworksStyle(text: string): string {
  const v = text.trim().toLowerCase();
  if (!['host', 'subnet', 'class'].includes(v)) {
    fail(`mynetworks_style: ${q(text)} is not a style (expected host, subnet or class)`);
  }
  return v;
}

/** smtp_dns_support_level: enabled, disabled or dnssec (empty: Postfix's default). */
export function validateDnsSupportLevel(text: string): string {
  const v = text.trim().toLowerCase();
  if (!['', 'enabled', 'disabled', 'dnssec'].includes(v)) {
    fail(`smtp_dns_support_level: ${q(text)} is not a level (expected enabled, disabled or dnssec)`);
  }
  return v;
}

/** A master.cf service (transport) name, as defer_transports and transport(5) name them. */
export function validateServiceName(text: string, what = 'transport'): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(text)) fail(`${what} ${q(text)} is not a master.cf service name`);
  return text;
}

// ------------------------------------------------------------------------------------------
// smtpd restrictions

/** Restrictions that take no argument. */
const PLAIN_RESTRICTIONS = new Set([
  'permit',
  'defer',
  'reject',
  'defer_if_permit',
  'defer_if_reject',
  'permit_mynetworks',
  'permit_sasl_authenticated',
  'permit_tls_clientcerts',
  'permit_tls_all_clientcerts',
  'permit_inet_interfaces',
  'permit_mx_backup',
  'permit_auth_destination',
  'reject_unauth_destination',
  'defer_unauth_destination',
  'reject_unauth_pipelining',
  'reject_unknown_client_hostname',
  'reject_unknown_reverse_client_hostname',
  'reject_unknown_client',
  'reject_unknown_helo_hostname',
  'reject_unknown_hostname',
  'reject_invalid_helo_hostname',
  'reject_invalid_hostname',
  'reject_non_fqdn_helo_hostname',
  'reject_non_fqdn_hostname',
  'reject_unknown_sender_domain',
  'reject_unknown_recipient_domain',
  'reject_non_fqdn_sender',
  'reject_non_fqdn_recipient',
  'reject_unlisted_recipient',
  'reject_unlisted_sender',
  'reject_unverified_recipient',
  'reject_unverified_sender',
  'reject_multi_recipient_bounce',
  'reject_plaintext_session',
  'reject_sender_login_mismatch',
  'reject_authenticated_sender_login_mismatch',
  'reject_known_sender_login_mismatch',
  'reject_unauthenticated_sender_login_mismatch',
  'warn_if_reject',
]);

/** Restrictions followed by a DNS list domain (optionally =d.d.d.d or =d.d.d.[n..m] filters). */
const DNSXL_RESTRICTIONS = new Set([
  'reject_rbl_client',
  'reject_rhsbl_client',
  'reject_rhsbl_reverse_client',
  'reject_rhsbl_sender',
  'reject_rhsbl_recipient',
  'reject_rhsbl_helo',
  'permit_dnswl_client',
  'permit_rhswl_client',
]);

/** check_*_access restrictions: followed by a lookup table. */
function isAccessRestriction(name: string): boolean {
  return (
    /^check_(client|reverse_client_hostname|helo|sender|recipient)(_(a|mx|ns))?_access$/.test(name) ||
    name === 'check_ccert_access' ||
    name === 'check_sasl_access'
  );
}

/**
 * An smtpd restriction list (smtpd_recipient_restrictions and friends) from its items, as a
 * list of restrictions each with its argument ("reject_rbl_client zen.spamhaus.org",
 * "check_client_access hash:/etc/postfix/access"). Accepts the items one restriction each or
 * split at whitespace (as splitList gives them). Refuses unknown names (restriction classes are
 * not supported here), a missing or malformed argument, and a restriction after
 * warn_if_reject that is not a reject.
 */
export function parseRestrictions(items: readonly string[]): string[] {
  const tokens = items.flatMap((i) => splitList(i));
  const out: string[] = [];
  const bad = (reason: string): never => fail(`smtpd restrictions: ${reason}`);
  for (let i = 0; i < tokens.length; i++) {
    const name = tokens[i].toLowerCase();
    const ctl = findControlChar(tokens[i], false);
    if (ctl >= 0)
      bad(`${q(tokens[i])} contains a control character (${describeControlChar(tokens[i].charCodeAt(ctl))})`);
    const arg = (what: string): string => {
      const next = tokens[i + 1];
      if (next === undefined) bad(`${name} needs ${what}`);
      i++;
      return next as string;
    };
    if (PLAIN_RESTRICTIONS.has(name)) {
      out.push(name);
    } else if (DNSXL_RESTRICTIONS.has(name)) {
      const list = arg('a DNS list domain, e.g. zen.spamhaus.org');
      const [domain, filter] = list.split('=', 2);
      const m = checkHostname(domain);
      if (m) bad(`${name}: ${m}`);
      if (filter !== undefined && !/^[0-9.[\];.]+$/.test(filter))
        bad(`${name}: ${q(list)} has a malformed reply filter`);
      out.push(`${name} ${list.toLowerCase()}`);
    } else if (isAccessRestriction(name)) {
      const table = arg('a lookup table, e.g. hash:/etc/postfix/access');
      if (table.startsWith('/')) bad(`${name}: ${q(table)} must be a type:table, e.g. hash:${table}`);
      parseTableRef(table);
      out.push(`${name} ${table}`);
    } else if (name === 'check_policy_service') {
      const svc = arg('a policy service, e.g. inet:127.0.0.1:10023 or unix:private/policy');
      if (!/^(inet:[^\s:]+:[0-9A-Za-z-]+|inet:\[[0-9A-Fa-f:.]+\]:[0-9A-Za-z-]+|unix:[^\s]+)$/.test(svc)) {
        bad(`check_policy_service: ${q(svc)} is not inet:host:port or unix:path`);
      }
      out.push(`${name} ${svc}`);
    } else if (name === 'sleep') {
      const s = arg('a number of seconds');
      if (!/^[0-9]+$/.test(s)) bad(`sleep: ${q(s)} is not a number of seconds`);
      out.push(`${name} ${s}`);
    } else {
      bad(
        `${q(tokens[i])} is not an smtpd restriction mailsetup knows (restriction classes are not supported; ` +
          'see postconf(5), smtpd_recipient_restrictions)',
      );
    }
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 'warn_if_reject' && (i + 1 >= out.length || !/^(reject|defer)/.test(out[i + 1]))) {
      bad('warn_if_reject must be followed by a reject or defer restriction');
    }
  }
  return out;
}

/** Non-throwing `parseRestrictions`. */
export function checkRestrictions(items: readonly string[]): string | null {
  return messageOf(() => parseRestrictions(items));
}
