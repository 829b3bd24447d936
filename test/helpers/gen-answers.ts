/** Seeded random valid answers for every role (round-trip and open-relay tests). */
import type { Answers, RoleId } from '../../src/model/answers.js';

import { mulberry32 } from './prng.js';

/** The shared seeded PRNG (mulberry32). */
export const prng = mulberry32;

export const SEED = Number(process.env.MAILSETUP_SEED ?? 20261126);

export function generator(seed: number) {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const label = () => pick(['mail', 'mx', 'smtp', 'relay', 'gw', 'post', 'box']) + (r() < 0.5 ? String(int(100)) : '');
  const domain = () =>
    `${pick(['example', 'corp', 'acme', 'widgets', 'north'])}${int(50)}.${pick(['com', 'org', 'net', 'de', 'co.uk'])}`;
  const privateNet = () =>
    pick([
      () => `10.${int(256)}.${int(256)}.0/24`,
      () => `192.168.${int(256)}.0/24`,
      () => `172.${16 + int(16)}.${int(256)}.0/24`,
      () => `[fd${int(16).toString(16)}${int(16).toString(16)}:${int(65536).toString(16)}::]/64`,
    ])();
  return {
    r,
    int,
    pick,
    domain,
    answers(role: RoleId): Partial<Answers> & { role: RoleId } {
      const mydomain = domain();
      const myhostname = `${label()}.${mydomain}`;
      const protocols = pick(['all', 'ipv4'] as const);
      const base: Partial<Answers> & { role: RoleId } = {
        role,
        myhostname,
        myorigin: pick(['$mydomain', '$myhostname', mydomain]),
        inet_protocols: protocols,
        notify_classes: pick([
          ['resource', 'software'],
          ['resource', 'software', 'bounce'],
          ['2bounce', 'delay', 'resource'],
        ]),
        postmaster: `${pick(['admin', 'ops', 'root-mail', 'it'])}@${domain()}`,
        chroot: r() < 0.7,
        logging: pick(['syslog', 'file'] as const),
      };
      const loop = protocols === 'all' ? ['127.0.0.0/8', '[::1]/128'] : ['127.0.0.0/8'];
      const nets = [...loop];
      for (let i = int(3); i > 0; i--) {
        const n = privateNet();
        if (protocols === 'ipv4' && n.startsWith('[')) continue;
        if (!nets.includes(n)) nets.push(n);
      }
      const relay = () =>
        pick([
          `[${label()}.${domain()}]`,
          `[${label()}.${domain()}]:587`,
          `${label()}.${domain()}`,
          `[127.0.0.1]:2525`,
        ]);
      switch (role) {
        case 'null-client':
          return { ...base, relayhost: relay() };
        case 'mail-server':
          return {
            ...base,
            mynetworks: nets,
            relayhost: r() < 0.5 ? relay() : '',
            proxy_interfaces: r() < 0.3 ? ['203.0.113.' + (1 + int(250))] : [],
          };
        case 'backup-mx': {
          const domains = [domain(), ...(r() < 0.3 ? [domain()] : [])].filter((d) => d !== mydomain);
          const recipients = domains.flatMap((d) => (r() < 0.5 ? [`@${d}`] : [`alice@${d}`, `bob@${d}`]));
          const transport = r() < 0.6 ? Object.fromEntries(domains.map((d) => [d, `relay:[mx1.${d}]`])) : {};
          return {
            ...base,
            relay_domains: domains,
            relay_recipients: recipients,
            transport,
            proxy_interfaces: ['198.51.100.' + (1 + int(250))],
            mynetworks: loop,
          };
        }
        case 'firewall-relay': {
          const domains = [mydomain, ...(r() < 0.3 ? [domain()] : [])];
          const transport = Object.fromEntries(domains.map((d) => [d, `relay:[${label()}.inside.${d}]`]));
          const recipients = domains.flatMap((d) => [`alice@${d}`, `bob@${d}`]);
          return {
            ...base,
            relay_domains: domains,
            transport,
            relay_recipients: recipients,
            mynetworks: nets,
            relayhost: r() < 0.3 ? relay() : '',
          };
        }
        default:
          throw new Error(`no generator for role ${role}`);
      }
    },
    /**
     * answers(role) with the knobs of the documents' recipes (mydestination, mynetworks_style,
     * fallback_relay, aliases and virtual entries, smtp_generic_maps, the spam rules, a dial-up
     * host, $name references), each in some answer sets only. For the planner's round trips: the
     * real-SMTP labs keep answers(), whose values stay on loopback.
     */
    recipes(role: RoleId): Partial<Answers> & { role: RoleId } {
      const base = this.answers(role);
      const mydomain = (base.myhostname ?? '').split('.').slice(1).join('.');
      const some = <T>(p: number, value: () => T): T | undefined => (r() < p ? value() : undefined);
      const fallback = () => some(0.3, () => [`[${label()}.${domain()}]`]);
      const dialup = (): Partial<Answers> =>
        r() < 0.25
          ? { defer_transports: ['smtp'], smtp_dns_support_level: 'disabled' }
          : { smtp_dns_support_level: pick(['', 'enabled', 'dnssec']) };
      const generic = () => some(0.3, () => ({ [`@${label()}.localdomain`]: `me+${label()}@${domain()}` }));
      const spamRules = () =>
        some(0.4, () =>
          pick([
            ['reject_unknown_sender_domain'],
            ['reject_unknown_sender_domain', 'reject_rbl_client zen.spamhaus.org'],
            ['reject_non_fqdn_recipient', 'reject_unknown_recipient_domain'],
          ]),
        );
      /** mynetworks_style instead of the list, in some sets. */
      const style = (): Partial<Answers> =>
        r() < 0.3 ? { mynetworks: undefined, mynetworks_style: pick(['host', 'subnet']) } : {};
      let out: Partial<Answers> & { role: RoleId };
      switch (role) {
        case 'null-client':
          out = {
            ...base,
            relayhost: r() < 0.2 ? '[mail.$mydomain]' : base.relayhost,
            fallback_relay: fallback(),
            ...dialup(),
            virtual: some(0.3, () => ({ [`@${mydomain}`]: `admin@${domain()}` })),
            smtp_generic_maps: generic(),
          };
          break;
        case 'mail-server': {
          // The domain's mail server, or STANDARD's other machine of the LAN (its own names only, all mail to the mailhost).
          const lan = r() < 0.3;
          out = {
            ...base,
            ...style(),
            mydestination: lan
              ? ['$myhostname', 'localhost.$mydomain', 'localhost']
              : some(0.3, () => ['$myhostname', 'localhost.$mydomain', 'localhost', '$mydomain', 'www.$mydomain']),
            relayhost: lan ? pick(['$mydomain', '[mail.$mydomain]']) : base.relayhost,
            fallback_relay: lan ? undefined : fallback(),
            aliases: some(0.4, () => ({ joe: `joe@${label()}.${domain()}`, hostmaster: 'root' })),
            virtual: lan ? some(0.5, () => ({ root: 'root@localhost' })) : undefined,
            smtp_generic_maps: generic(),
            smtpd_recipient_restrictions: spamRules(),
            ...dialup(),
          };
          break;
        }
        case 'backup-mx':
          out = {
            ...base,
            ...style(),
            relay_domains: r() < 0.3 ? ['$mydestination', ...(base.relay_domains ?? [])] : base.relay_domains,
            mydestination: some(0.3, () => ['$myhostname', 'localhost']),
            smtpd_recipient_restrictions: spamRules(),
            aliases: some(0.3, () => ({ hostmaster: 'root' })),
          };
          break;
        case 'firewall-relay': {
          const domains = base.relay_domains ?? [];
          out = {
            ...base,
            ...style(),
            relay_domains: r() < 0.3 ? ['$mydomain', ...domains.filter((d) => d !== mydomain)] : domains,
            virtual: some(0.4, () => ({ abuse: `abuse@${domain()}` })),
            smtpd_recipient_restrictions: spamRules(),
          };
          break;
        }
        default:
          throw new Error(`no generator for role ${role}`);
      }
      return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as typeof out;
    },
  };
}
