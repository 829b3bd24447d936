/**
 * What a role needs outside this host once it is configured, worked out from the answers, the
 * host and what DNS said (pure: the lookups are src/system/dns.ts, made only on the live system).
 *
 * - A receiving role: A/AAAA records of its name, MX records of the domains it receives for (a
 *   backup MX with a higher preference number than the primary), port 25 open from outside (or
 *   forwarded through NAT).
 * - A host that sends directly: the PTR record of each sending address naming the host, an SPF
 *   record that allows it (`v=spf1 mx -all` where it is the domain's MX), DMARC.
 * - A host that sends through a relay host: SPF with the relay's include (or its name), and the
 *   relay host must accept its mail.
 * - Outbound port 25 (or the relay's port), a test message, the log.
 */
import type { Answers } from '../model/answers.js';
import { behindNat, publicAddresses, type HostFacts } from '../model/host.js';
import {
  queryKey,
  type DnsAnswers,
  type DnsQuery,
  type NextSteps,
  type OutboundCheck,
  type RecordCheck,
  type RecordVerdict,
} from '../model/nextSteps.js';
import { MAILLOG_FILE } from '../model/paths.js';
import { parseAddress, reverseName } from '../postfix/network.js';
import { parseRelayhost } from '../postfix/validate.js';
import { ipv4Enabled, ipv6Enabled } from '../roles/common.js';
import { roleModule } from '../roles/index.js';
import { expandAnswer, hasReference } from '../roles/params.js';
import type { Resolved } from '../roles/role.js';

/** The complete answers of a plan (Plan.answers). */
type Complete = Answers & { myhostname: string; mydomain: string };

/** What the next steps are worked out from. */
interface Facts {
  a: Complete;
  host: HostFacts;
  name: string;
  /** The public addresses other servers see: the host's own, or proxy_interfaces behind NAT. */
  v4: string[];
  v6: string[];
  /** The domains whose MX should be this host (best), and those it is a backup MX for. */
  primaryOf: string[];
  backupOf: string[];
  /** The domains mail leaves as: SPF and DMARC are theirs. */
  senders: string[];
  /** Mail leaves directly (no relay host): PTR records matter. */
  direct: boolean;
  /** The relay host's name and the domain whose SPF it would be covered by. */
  /** The relay host's name and domain, and the relayhost with its $names expanded. */
  relay: { host: string; domain: string; target: string } | null;
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** The domain of a host name: smtp.example.net → example.net (a two-label name is its own domain). */
function domainOf(host: string): string {
  const labels = host.split('.');
  return labels.length > 2 ? labels.slice(1).join('.') : host;
}

function facts(answers: Answers, host: HostFacts): Facts {
  const a = answers as Complete;
  const mod = roleModule(a.role);
  const name = a.myhostname.toLowerCase();
  const own = publicAddresses(host);
  const protocols = a.inet_protocols ?? 'all';
  const proxies = (a.proxy_interfaces ?? []).filter((p) => parseAddress(p)?.family === 4);
  const v4 = ipv4Enabled(protocols)
    ? behindNat(host)
      ? proxies
      : own.filter((x) => x.family === 4).map((x) => x.address)
    : [];
  const v6 = ipv6Enabled(protocols) ? own.filter((x) => x.family === 6).map((x) => x.address) : [];
  const relayDomains = (a.relay_domains ?? []).map((d) => d.toLowerCase());
  const primaryOf = mod.mx === 'primary' ? [a.mydomain] : mod.mx === null && mod.receivesMail ? relayDomains : [];
  const backupOf = mod.mx === 'backup' ? relayDomains : [];
  const origin = a.myorigin ?? '$mydomain';
  const originDomain = /^\$\{?myhostname\}?$/.test(origin)
    ? name
    : /^\$\{?mydomain\}?$/.test(origin)
      ? a.mydomain
      : origin.toLowerCase();
  // A backup MX sends only to the primary: the mail it passes on is not its own.
  const senders = mod.mx === 'backup' ? [] : unique([originDomain, ...primaryOf]);
  const relayhost = a.relayhost ?? '';
  let relay: Facts['relay'] = null;
  if (relayhost !== '') {
    // A $name reference ([mail.$mydomain]) as Postfix expands it; one that does not name a host
    // ($mydestination's first item…) leaves the relay unnamed here.
    try {
      const expanded = hasReference(relayhost) ? expandAnswer(relayhost, a as Resolved, host, 'relayhost') : relayhost;
      const r = parseRelayhost(expanded).host.toLowerCase();
      relay = { host: r, domain: parseAddress(r) === null ? domainOf(r) : r, target: expanded };
    } catch {
      relay = null;
    }
  }
  return { a, host, name, v4, v6, primaryOf, backupOf, senders, direct: relayhost === '', relay };
}

/** The DNS lookups the next steps need for these answers. */
export function nextStepQueries(answers: Answers, host: HostFacts): DnsQuery[] {
  const f = facts(answers, host);
  const mod = roleModule(f.a.role);
  const out: DnsQuery[] = [];
  if (mod.receivesMail || f.direct) {
    if (ipv4Enabled(f.a.inet_protocols ?? 'all')) out.push({ type: 'A', name: f.name });
    if (f.v6.length > 0) out.push({ type: 'AAAA', name: f.name });
  }
  for (const d of [...f.primaryOf, ...f.backupOf]) out.push({ type: 'MX', name: d });
  if (f.direct) for (const ip of [...f.v4, ...f.v6]) out.push({ type: 'PTR', name: ip });
  for (const d of f.senders) out.push({ type: 'TXT', name: d }, { type: 'TXT', name: `_dmarc.${d}` });
  if (f.relay !== null && f.relay.domain !== f.relay.host) out.push({ type: 'TXT', name: f.relay.domain });
  const seen = new Set<string>();
  return out.filter((q) => !seen.has(queryKey(q)) && seen.add(queryKey(q)));
}

/**
 * Where to test outbound mail connections: the relay host (on its port), else the MX of the
 * postmaster's domain when that is someone else's (port 25); undefined when there is no such
 * destination the user named.
 */
export function outboundTarget(answers: Answers, host: HostFacts): string | undefined {
  const f = facts(answers, host);
  if (f.relay !== null) return f.relay.target;
  const pm = f.a.postmaster ?? '';
  const domain = pm.includes('@') ? pm.slice(pm.lastIndexOf('@') + 1).toLowerCase() : '';
  if (domain === '' || domain === f.a.mydomain || f.primaryOf.includes(domain) || f.backupOf.includes(domain))
    return undefined;
  return domain;
}

type Lookup = readonly string[] | { error: string } | null;

/** What DNS said for a query: the records, the lookup's failure, or null when not looked up. */
function lookup(dns: DnsAnswers | null, type: DnsQuery['type'], name: string): Lookup {
  if (dns === null) return null;
  return dns[queryKey({ type, name })] ?? null;
}

/** A lookup in words, and the verdict when the records are judged by `ok`. */
function judge(
  found: Lookup,
  ok: (records: readonly string[]) => boolean,
): { now: string | null; verdict: RecordVerdict } {
  if (found === null) return { now: null, verdict: 'not looked up' };
  if (!Array.isArray(found)) return { now: (found as { error: string }).error, verdict: 'no answer' };
  const records = found as readonly string[];
  if (records.length === 0) return { now: 'none', verdict: 'missing' };
  return { now: records.join(', '), verdict: ok(records) ? 'ok' : 'differs' };
}

/** "10 mx.example.com" → [10, "mx.example.com"]. */
function mxOf(record: string): [number, string] {
  const [pref, host] = record.split(' ');
  return [Number(pref), (host ?? '').toLowerCase()];
}

/** The SPF record among a domain's TXT records. */
function spfOf(records: readonly string[]): string | undefined {
  return records.find((r) => /^v=spf1(\s|$)/i.test(r));
}

/** Work out the next steps. `dns` null: not looked up (a sandbox, or no network asked for). */
export function nextSteps(
  answers: Answers,
  host: HostFacts,
  found: { dns: DnsAnswers | null; outbound: OutboundCheck | null; notLookedUp?: string },
): NextSteps {
  const f = facts(answers, host);
  const { a, name, dns } = { ...f, dns: found.dns };
  const mod = roleModule(a.role);
  const records: RecordCheck[] = [];
  const zone: string[] = [];
  const wants = (c: RecordCheck, lines: string[]) => {
    records.push(c);
    if (c.verdict !== 'ok') zone.push(...lines);
  };

  // The host's own name: other servers connect to it (and check that its PTR name resolves back).
  if (mod.receivesMail || f.direct) {
    if (ipv4Enabled(a.inet_protocols ?? 'all')) {
      const r = judge(lookup(dns, 'A', name), (rs) => f.v4.length === 0 || f.v4.every((ip) => rs.includes(ip)));
      wants(
        {
          what: `A of ${name}`,
          want: f.v4.length > 0 ? f.v4.join(', ') : 'your public IPv4 address (this host is behind NAT)',
          ...r,
          note: f.v4.length === 0 ? 'give proxy_interfaces to have it checked' : undefined,
        },
        f.v4.map((ip) => `${name}. IN A ${ip}`),
      );
    }
    if (f.v6.length > 0) {
      const r = judge(lookup(dns, 'AAAA', name), (rs) => f.v6.every((ip) => rs.includes(ip)));
      wants(
        { what: `AAAA of ${name}`, want: f.v6.join(', '), ...r },
        f.v6.map((ip) => `${name}. IN AAAA ${ip}`),
      );
    }
  }
  // MX: the domains this host receives for.
  for (const d of f.primaryOf) {
    const r = judge(lookup(dns, 'MX', d), (rs) => rs.some((x) => mxOf(x)[1] === name));
    wants(
      { what: `MX of ${d}`, want: `10 ${name}`, ...r, note: 'other servers look it up to deliver mail for the domain' },
      [`${d}. IN MX 10 ${name}.`],
    );
  }
  for (const d of f.backupOf) {
    const found = lookup(dns, 'MX', d);
    const r = judge(found, (rs) => {
      const mine = rs.map(mxOf).filter(([, h]) => h === name);
      const others = rs.map(mxOf).filter(([, h]) => h !== name);
      return mine.length > 0 && others.length > 0 && Math.min(...others.map(([p]) => p)) < mine[0][0];
    });
    const listed = Array.isArray(found) && (found as readonly string[]).some((x) => mxOf(x)[1] === name);
    wants(
      {
        what: `MX of ${d}`,
        want: `the primary first, then 20 ${name}`,
        ...r,
        note:
          r.verdict === 'differs' && listed
            ? `${name} must have a higher number than the primary, or mail goes to the backup first`
            : 'senders try the backup when the primary does not answer',
      },
      [`${d}. IN MX 20 ${name}.`],
    );
  }
  // PTR: receivers check that a sending address names the host (and that the name points back).
  if (f.direct) {
    for (const ip of [...f.v4, ...f.v6]) {
      const r = judge(lookup(dns, 'PTR', ip), (rs) => rs.some((x) => x.toLowerCase() === name));
      wants(
        {
          what: `PTR of ${ip}`,
          want: name,
          ...r,
          note: 'set by whoever owns the address (your provider: "reverse DNS"); many servers refuse mail without it',
        },
        [`${reverseName(ip) ?? ip}. IN PTR ${name}.`],
      );
    }
  }
  // SPF and DMARC of the domains mail leaves as.
  for (const d of f.senders) {
    let want: string;
    let allows: (spf: string) => boolean;
    if (f.relay !== null) {
      const relay = f.relay;
      const relaySpf = relay.domain === relay.host ? undefined : lookup(dns, 'TXT', relay.domain);
      const includable = relaySpf === null || (Array.isArray(relaySpf) && spfOf(relaySpf) !== undefined);
      const mechanism = includable && relay.domain !== relay.host ? `include:${relay.domain}` : `a:${relay.host}`;
      want = `v=spf1 ${mechanism} -all`;
      allows = (spf) => spf.toLowerCase().split(/\s+/).includes(mechanism) || spf.includes(`a:${relay.host}`);
    } else {
      const isMx = f.primaryOf.includes(d);
      want = isMx ? 'v=spf1 mx -all' : `v=spf1 a:${name} -all`;
      allows = (spf) => {
        const terms = spf.toLowerCase().split(/\s+/);
        return (
          (isMx && (terms.includes('mx') || terms.includes('+mx'))) ||
          terms.includes(`a:${name}`) ||
          (f.v4.length > 0 && f.v4.every((ip) => terms.includes(`ip4:${ip}`)))
        );
      };
    }
    const txt = lookup(dns, 'TXT', d);
    const spfFound: Lookup = Array.isArray(txt)
      ? (txt as readonly string[]).filter((x) => spfOf([x]) !== undefined)
      : txt;
    const r = judge(spfFound, (rs) => allows(rs[0]));
    wants(
      {
        what: `SPF of ${d}`,
        want,
        ...r,
        note:
          f.relay !== null
            ? `mail for ${d} leaves through ${f.relay.host}: use the include your provider documents, if it names one`
            : r.verdict === 'differs'
              ? `make sure it allows ${name}`
              : undefined,
      },
      [`${d}. IN TXT "${want}"`],
    );
    const report = a.postmaster?.includes('@') ? a.postmaster : `postmaster@${d}`;
    const dmarc = `v=DMARC1; p=none; rua=mailto:${report}`;
    const dr = judge(lookup(dns, 'TXT', `_dmarc.${d}`), (rs) => rs.some((x) => /^v=DMARC1/i.test(x)));
    wants(
      {
        what: `DMARC of ${d}`,
        want: dmarc,
        ...dr,
        note: 'p=none only asks for reports; tighten it to quarantine once they show all your mail passing',
      },
      [`_dmarc.${d}. IN TXT "${dmarc}"`],
    );
  }

  const outside: string[] = [];
  if (mod.receivesMail) {
    const privateV4 = f.host.addresses.find((x) => x.family === 4 && x.scope === 'private')?.address;
    if (behindNat(f.host))
      outside.push(
        `Forward TCP port 25 of ${f.v4.length > 0 ? f.v4.join(', ') : 'your public address'} to ` +
          `${privateV4 ?? 'this host'} port 25 on the NAT router, and allow it in every firewall on the way.`,
      );
    else outside.push(`Let TCP port 25 in from anywhere: this host's firewall and your provider's (security group).`);
  }
  for (const d of f.backupOf)
    outside.push(
      `The primary of ${d} must accept mail from ${name} (exempt it from greylisting, SPF and blocklist checks), ` +
        'and the valid recipients here must follow its mailboxes.',
    );
  if (mod.mx === null && mod.receivesMail) {
    const hops = unique(Object.values(a.transport ?? {}));
    outside.push(`The inside server${hops.length === 1 ? '' : 's'} ${hops.join(', ')} must accept mail from ${name}.`);
  }
  if (f.relay !== null)
    outside.push(
      `The relay host ${a.relayhost} must accept mail from ${name}: ` +
        (a.smtp_sasl !== undefined
          ? `with the login of ${a.smtp_sasl.username}.`
          : 'ask its admin to allow this host (its address, or a login: smtp_sasl).'),
    );
  if (f.direct && f.senders.length > 0)
    outside.push(
      'DKIM: mailsetup does not sign mail. Large providers want SPF or DKIM to pass for the sender domain; add a ' +
        'signer (OpenDKIM) if this host sends much mail.',
    );

  const test: NextSteps['test'] = [];
  const probe = f.primaryOf[0] ?? f.backupOf[0];
  const traced = a.postmaster?.includes('@') ? a.postmaster : `postmaster@${probe ?? a.mydomain}`;
  const target = probe !== undefined ? `postmaster@${probe}` : traced;
  test.push({
    command: `sendmail -bv ${target}`,
    what: `Postfix says where mail to ${target} goes, without sending it; the report goes to root (the postmaster)`,
  });
  if (mod.receivesMail)
    test.push({
      command: `swaks --server ${name} --to ${target} --from you@another.example`,
      what: `from another host on the Internet: "250" means ${name} takes the mail`,
    });
  else
    test.push({
      command: `swaks --server 127.0.0.1 --to ${traced} --from root@${a.mydomain}`,
      what: `a real message through ${a.relayhost}; it should arrive at ${traced}`,
    });
  const log =
    a.logging === 'file'
      ? `tail -f ${MAILLOG_FILE}`
      : f.host.rsyslog
        ? 'tail -f /var/log/mail.log'
        : 'journalctl -f SYSLOG_FACILITY=2';

  return {
    records,
    zone: unique(zone),
    ...(found.dns === null ? { notLookedUp: found.notLookedUp ?? 'not looked up' } : {}),
    outside,
    outbound: found.outbound,
    test,
    log,
  };
}
