/**
 * The reasons Postfix's own documents give, quoted word for word where mailsetup refuses or
 * warns about a configuration they describe: BASIC_CONFIGURATION_README (the seed is a
 * translation of it) and STANDARD_CONFIGURATION_README. A refusal names the problem first, then
 * the document's reason: `… (STANDARD_CONFIGURATION_README, "Postfix on a null client": "A null
 * client is …")`.
 */

export interface DocQuote {
  doc: 'BASIC_CONFIGURATION_README' | 'STANDARD_CONFIGURATION_README';
  section: string;
  text: string;
}

const BASIC = 'BASIC_CONFIGURATION_README';
const STANDARD = 'STANDARD_CONFIGURATION_README';

export const DOCS = {
  nullClient: {
    doc: STANDARD,
    section: 'Postfix on a null client',
    text: 'A null client is a machine that can only send mail. It receives no mail from the network, and it does not deliver any mail locally.',
  },
  nullClientRelayhost: {
    doc: STANDARD,
    section: 'Postfix on a null client',
    text:
      'Line 3: Forward all mail to the mail server that is responsible for the "example.com" domain. This ' +
      'prevents mail from getting stuck on the null client if it is turned off while some remote destination is ' +
      'unreachable.',
  },
  firewallNoLocal: {
    doc: STANDARD,
    section: 'Postfix email firewall/gateway',
    text: 'This first part gets rid of local mail delivery on the firewall, making the firewall harder to break.',
  },
  firewallInetInterfaces: {
    doc: STANDARD,
    section: 'Postfix email firewall/gateway',
    text:
      'the smtp(8) delivery agent will also use the specified interface address as the source address for ' +
      'outbound connections and will be unable to reach hosts on "the other side" of the firewall.',
  },
  backupNotMydestination: {
    doc: STANDARD,
    section: 'Configuring Postfix as primary or backup MX host for a remote site',
    text: 'Do not list the.backed-up.domain.tld in mydestination.',
  },
  backupNotVirtualAlias: {
    doc: STANDARD,
    section: 'Configuring Postfix as primary or backup MX host for a remote site',
    text: 'Do not list the.backed-up.domain.tld in virtual_alias_domains.',
  },
  backupNotVirtualMailbox: {
    doc: STANDARD,
    section: 'Configuring Postfix as primary or backup MX host for a remote site',
    text: 'Do not list the.backed-up.domain.tld in virtual_mailbox_domains.',
  },
  relayRecipients: {
    doc: STANDARD,
    section: 'Configuring Postfix as primary or backup MX host for a remote site',
    text: 'This prevents your mail queue from filling up with undeliverable MAILER-DAEMON messages.',
  },
  mailhostRelayhost: {
    doc: STANDARD,
    section: 'Postfix on a local network',
    text:
      'Line 10: This is needed only when the mailhost has to forward non-local mail via a mail server on a ' +
      'firewall. The [] forces Postfix to do no MX record lookups.',
  },
  fantasyName: {
    doc: STANDARD,
    section: 'Postfix on hosts without a real Internet hostname',
    text:
      'you cannot use a fantasy hostname in your email address when sending mail into the Internet, because ' +
      'no-one would be able to reply to your mail.',
  },
  dialupRelayhost: {
    doc: STANDARD,
    section: 'Postfix on a dialup machine',
    text: "It's better to give the mail to a machine that is connected all the time.",
  },
  dialupFlush: {
    doc: STANDARD,
    section: 'Postfix on a dialup machine',
    text:
      'If you have disabled spontaneous SMTP mail delivery, you also need to run the "sendmail -q" command ' +
      'every now and then while the dialup link is up, so that newly-posted mail is flushed from the queue.',
  },
  someAccountsLocally: {
    doc: STANDARD,
    section: 'Delivering some but not all accounts locally',
    text:
      'the bare name "root" matches "root@site" when "site" is equal to $myorigin, when "site" is listed in ' +
      '$mydestination, or when it matches $inet_interfaces or $proxy_interfaces.',
  },
  mydestinationLoops: {
    doc: BASIC,
    section: 'What domains to receive mail for',
    text:
      'Caution: in order to avoid mail delivery loops, you must list all hostnames of the machine, including ' +
      '$myhostname, and localhost.$mydomain.',
  },
  mynetworksWan: {
    doc: BASIC,
    section: 'What clients to relay mail from',
    text: 'IMPORTANT: If your machine is connected to a wide area network then your default mynetworks setting may be too friendly.',
  },
  mynetworksClass: {
    doc: BASIC,
    section: 'What clients to relay mail from',
    text: 'Don\'t do this with a dialup site - it would cause Postfix to "trust" your entire provider\'s network.',
  },
  mynetworksIgnoresStyle: {
    doc: BASIC,
    section: 'What clients to relay mail from',
    text: 'Alternatively, you can specify the mynetworks list by hand, in which case Postfix ignores the mynetworks_style setting.',
  },
  proxyInterfacesBackup: {
    doc: BASIC,
    section: 'Proxy/NAT external network addresses',
    text:
      'IMPORTANT: You must specify your proxy/NAT external addresses when your system is a backup MX host for ' +
      'other domains, otherwise mail delivery loops will happen when the primary MX host is down.',
  },
  relayhostBrackets: {
    doc: BASIC,
    section: 'What delivery method: direct or indirect',
    text: 'The form enclosed with [] eliminates DNS MX lookups.',
  },
  postmasterPerson: {
    doc: BASIC,
    section: 'What trouble to report to the postmaster',
    text: 'You should set up a postmaster alias in the aliases(5) table that directs mail to a human person.',
  },
  myhostnameFqdn: {
    doc: BASIC,
    section: 'My own hostname',
    text:
      'Alternatively, if you specify mydomain in main.cf, then Postfix will use its value to generate a ' +
      'fully-qualified default value for the myhostname parameter.',
  },
  inetInterfacesAddresses: {
    doc: BASIC,
    section: 'My own network addresses',
    text: 'The inet_interfaces parameter specifies all network interface addresses that the Postfix system should listen on',
  },
  chrootSyslog: {
    doc: BASIC,
    section: 'Run Postfix daemons in chroot (the seed)',
    text:
      'in almost any case, you will need to configure syslogd so that it listens to the socket inside the ' +
      'Postfix queue directory.',
  },
} as const satisfies Record<string, DocQuote>;

/** ` (DOC, "section": "text")`: the reason a message ends with. */
export function cite(q: DocQuote): string {
  return ` (${q.doc}, "${q.section}": "${q.text}")`;
}
