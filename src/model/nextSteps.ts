/**
 * What to do next, outside this host, once a role is configured: the DNS records the role needs
 * with what DNS says now, copyable zone-file lines, the firewall and the other servers, outbound
 * port 25, how to send a test message and where the log is. Worked out by src/plan/nextSteps.ts
 * (pure) from lookups made through Effects (src/system/dns.ts; never from a --root sandbox), and
 * shown by src/output/nextSteps.ts.
 */

/** The DNS record types the next steps look up. */
export type DnsType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR';

/** One lookup: a PTR query names the address ("192.0.2.2"), every other one a domain. */
export interface DnsQuery {
  type: DnsType;
  name: string;
}

/**
 * What DNS said, by query ("MX example.com"): the records (MX as "10 mail.example.com", TXT
 * with its strings joined, names without the trailing dot), [] for none (no such name, no such
 * records), or why there is no answer ("no answer within 3 s").
 */
export type DnsAnswers = Readonly<Record<string, readonly string[] | { error: string }>>;

/** The key of a query in DnsAnswers. */
export function queryKey(q: DnsQuery): string {
  return `${q.type} ${q.name}`;
}

/** ok: DNS has what the role needs; missing: nothing there; differs: something else is there. */
export type RecordVerdict = 'ok' | 'missing' | 'differs' | 'not looked up' | 'no answer';

/** One record the role needs, with what is there now. */
export interface RecordCheck {
  /** "MX of example.com". */
  what: string;
  /** What it should say: "10 mail.example.com", "v=spf1 mx -all". */
  want: string;
  /** What DNS has now, in words ("none", "10 mx1.example.org, 20 mx2.example.com"); null when not looked up. */
  now: string | null;
  verdict: RecordVerdict;
  /** Why it matters, or what to do when it is not ok (one line). */
  note?: string;
}

/** Whether this host can connect out on the port its mail leaves through. */
export interface OutboundCheck {
  /** What was (or would be) tried: "[smtp.example.net]:587", "port 25 of example.org's MX (mx.example.org)". */
  target: string;
  /** open, refused, timeout, unreachable; null when not tried. */
  verdict: 'open' | 'refused' | 'timeout' | 'unreachable' | null;
  /** What to do about it, or why it was not tried. */
  advice: string | null;
}

export interface NextSteps {
  /** The DNS records the role needs, each with what is there now. */
  records: RecordCheck[];
  /** Zone-file lines to copy for the records that are missing or differ (all of them when not looked up). */
  zone: string[];
  /** Why the records were not looked up (--root sandbox), if they were not. */
  notLookedUp?: string;
  /** What the role needs of the network and of other servers (firewall, NAT, the primary, the relay host). */
  outside: string[];
  outbound: OutboundCheck | null;
  /** Commands that send or trace a test message, each with what it shows. */
  test: Array<{ command: string; what: string }>;
  /** Where to watch the log: a command. */
  log: string;
}
