/**
 * Queued mail a configuration change leaves behind: a role change (or a rollback) can stop this
 * host from relaying or delivering a domain for which mail is still in the queue (a backup MX
 * that becomes a mail server keeps the deferred mail of the domain it backed up). The preview
 * says so with the count; Postfix then routes that mail by the new rules. Pure: the queue is read
 * by src/system/queue.ts.
 */
import type { Finding } from '../model/plan.js';
import type { QueuedMessage } from '../model/queue.js';
import { expandParam } from '../postfix/expand.js';
import { postfixDefaults } from '../postfix/defaults.js';
import { splitList } from '../postfix/lists.js';
import { MainCf } from '../postfix/mainCf.js';

/**
 * The domains a main.cf delivers here or relays: mydestination and relay_domains, expanded
 * (tables and pattern entries left out; a leading dot stands for the subdomains).
 */
export function handledDomains(mainText: string | null, fqdn: string): Set<string> {
  const out = new Set<string>();
  if (mainText === null) return out;
  let cf: MainCf;
  try {
    cf = MainCf.parse(mainText);
  } catch {
    return out;
  }
  const defaults = postfixDefaults({ fqdn }, cf);
  for (const name of ['mydestination', 'relay_domains']) {
    let value: string | undefined;
    try {
      value = expandParam(cf, name, defaults);
    } catch {
      continue;
    }
    for (const item of splitList(value)) {
      if (/[:/]/.test(item) || item.startsWith('!')) continue;
      out.add(item.toLowerCase());
    }
  }
  return out;
}

/** Whether `domain` is one of `domains` (or below a ".parent" entry). */
function handles(domains: Set<string>, domain: string): boolean {
  if (domains.has(domain)) return true;
  for (let d = domain; d.includes('.'); d = d.slice(d.indexOf('.') + 1)) {
    if (domains.has(`.${d.slice(d.indexOf('.') + 1)}`)) return true;
  }
  return false;
}

/** The domain of an address, lower-cased ('' for a bare local part). */
function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0
    ? ''
    : address
        .slice(at + 1)
        .toLowerCase()
        .replace(/\.$/, '');
}

/**
 * Whether main.cf `after` stops handling a domain `before` handled: an entry of before's domains
 * (handledDomains) that after's do not cover (a domain: handled; ".parent": every subdomain
 * handled, by the same or a wider ".parent"). When there is none, no queued message can be for a
 * domain the change drops (queuedMailFindings finds nothing), and the queue need not be read.
 */
export function dropsDomains(before: string | null, after: string | null, fqdn: string): boolean {
  const now = handledDomains(after, fqdn);
  for (const d of handledDomains(before, fqdn)) {
    if (d.startsWith('.') ? !coversSubdomains(now, d.slice(1)) : !handles(now, d)) return true;
  }
  return false;
}

/** Whether `domains` has ".parent" for `parent` or for a domain above it. */
function coversSubdomains(domains: Set<string>, parent: string): boolean {
  for (let p = parent; ; p = p.slice(p.indexOf('.') + 1)) {
    if (domains.has(`.${p}`)) return true;
    if (!p.includes('.')) return false;
  }
}

/**
 * One warning per domain that main.cf `before` delivered or relayed and `after` does not, for
 * which messages are in the queue: how many, and how many of them are deferred. `what` names the
 * change ("this role change", "this rollback").
 */
export function queuedMailFindings(
  queue: readonly QueuedMessage[],
  before: string | null,
  after: string | null,
  fqdn: string,
  what: string,
): Finding[] {
  const was = handledDomains(before, fqdn);
  const now = handledDomains(after, fqdn);
  const counts = new Map<string, { messages: number; deferred: number }>();
  for (const m of queue) {
    const domains = new Set(m.recipients.map(domainOf).filter((d) => d !== '' && handles(was, d) && !handles(now, d)));
    for (const d of domains) {
      const c = counts.get(d) ?? { messages: 0, deferred: 0 };
      c.messages++;
      if (m.queue === 'deferred') c.deferred++;
      counts.set(d, c);
    }
  }
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([domain, c]) => ({
      id: 'queued-mail',
      level: 'warning',
      message:
        `${c.messages} message${c.messages === 1 ? '' : 's'} in the queue${c.deferred > 0 ? ` (${c.deferred} deferred)` : ''} ` +
        `${c.messages === 1 ? 'is' : 'are'} for ${domain}, which ${what} stops delivering or relaying here: ` +
        'Postfix will route them by the new configuration (MX lookup or the relay host), or bounce them; ' +
        'see them with postqueue -p',
    }));
}
