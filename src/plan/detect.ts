/**
 * detect(): which role the files describe, and the answers that explain them. The state file
 * is authoritative when present; without one the configuration itself is recognised (a host
 * set up by hand or by dpkg-reconfigure), or reported as "custom" with the values found.
 */
import { Aliases } from '../postfix/aliases.js';
import { LookupTable } from '../postfix/lookupTable.js';
import { MainCf } from '../postfix/mainCf.js';
import { MasterCf } from '../postfix/masterCf.js';
import { parentDomain } from '../roles/common.js';
import type { Answers } from '../model/answers.js';
import type { Detection } from '../model/plan.js';
import { splitList as split } from '../postfix/lists.js';
import { RECOGNITION_ORDER, roleModule } from '../roles/index.js';
import type { ConfigView } from '../roles/role.js';
import { findHandEdits, handEditLine, withHandEdits } from './handEdits.js';
import { parseState, type State } from './state.js';
import { parseRestrictions } from '../postfix/validate.js';
import { described, freshDetection, STALE_STATE_LINE } from './detectFresh.js';

export { STALE_STATE_LINE };

import {
  ALIASES,
  GENERIC_MAP,
  MAIN_CF,
  MASTER_CF,
  RELAY_RECIPIENTS_MAP,
  STATE_PATH,
  TRANSPORT_MAP,
  VIRTUAL_MAP,
} from '../model/paths.js';

function tableEntries(text: string | null | undefined): Array<[string, string]> {
  if (!text) return [];
  try {
    return LookupTable.parse(text)
      .entries()
      .map((e) => [e.key, e.value] as [string, string]);
  } catch {
    return [];
  }
}

/**
 * Recognise the role and answers from the files (paths as in PLAN_PATHS). `parsed` is the state
 * file already parsed (it is parsed once per run: a large one takes time).
 */
export function detect(files: Readonly<Record<string, string | null>>, parsed?: State): Detection {
  const fresh = freshDetection(files);
  if (fresh !== null) return fresh;
  const stateText = files[STATE_PATH];
  const mainText = files[MAIN_CF] as string; // present: freshDetection answered for a missing one
  if (stateText) {
    const state = parsed ?? parseState(stateText);
    const handEdits = findHandEdits(state, mainText);
    return described(
      { role: state.answers.role, answers: withHandEdits(state.answers, handEdits), source: 'state', handEdits },
      MainCf.parse(mainText),
      handEdits.map((e) => `  ${handEditLine(e)}`),
    );
  }
  const cf = MainCf.parse(mainText);
  const get = (n: string) => cf.get(n);
  const a: Partial<Answers> = {};
  const myhostname = get('myhostname');
  if (myhostname) a.myhostname = myhostname;
  const mydomain = get('mydomain');
  if (mydomain) a.mydomain = mydomain;
  const myorigin = get('myorigin');
  if (myorigin && !myorigin.startsWith('/')) a.myorigin = myorigin;
  const relayhost = get('relayhost');
  if (relayhost !== undefined) a.relayhost = relayhost;
  const mynetworks = get('mynetworks');
  // Networks, and the pattern files and tables Postfix also takes (checked like typed ones).
  if (mynetworks !== undefined) a.mynetworks = split(mynetworks);
  const mydestination = get('mydestination');
  if (mydestination !== undefined) a.mydestination = split(mydestination);
  const style = get('mynetworks_style');
  if (style !== undefined && ['host', 'subnet', 'class'].includes(style) && mynetworks === undefined)
    a.mynetworks_style = style;
  const fallback = split(get('fallback_relay'));
  if (fallback.length) a.fallback_relay = fallback;
  const deferred = split(get('defer_transports'));
  if (deferred.length) a.defer_transports = deferred;
  const dns = get('smtp_dns_support_level');
  if (dns) a.smtp_dns_support_level = dns;
  const restrictions = split(get('smtpd_recipient_restrictions'));
  if (restrictions.length) {
    try {
      a.smtpd_recipient_restrictions = parseRestrictions(restrictions);
    } catch {
      // restriction classes and the like: not mailsetup's to take over
    }
  }
  if (get('smtp_generic_maps')?.includes(GENERIC_MAP)) {
    const g = tableEntries(files[GENERIC_MAP]);
    if (g.length) a.smtp_generic_maps = Object.fromEntries(g);
  }
  // relay_domains as written ($mydomain on a gateway, "$mydestination other.domain" on a backup
  // MX), except Postfix's old default "$mydestination" alone, which relays for no other domain.
  const relayList = split(get('relay_domains'));
  if (relayList.some((d) => !/^\$(\{mydestination\}|mydestination)$/.test(d))) a.relay_domains = relayList;
  const domain = (mydomain ?? (myhostname ? parentDomain(myhostname) : '')).toLowerCase();
  // For recognition, the domains relayed beyond mydestination: $mydomain is the domain's name.
  const relayDomains = relayList
    .map((d) => (/^\$(\{mydomain\}|mydomain)$/.test(d) ? domain : d))
    .filter((d) => d !== '' && !d.startsWith('$'))
    .map((d) => d.toLowerCase());
  const proxy = split(get('proxy_interfaces'));
  if (proxy.length) a.proxy_interfaces = proxy;
  const inetInterfaces = get('inet_interfaces');
  if (inetInterfaces !== undefined) a.inet_interfaces = inetInterfaces;
  const protocols = get('inet_protocols');
  if (protocols !== undefined) a.inet_protocols = protocols;
  const notify = get('notify_classes');
  if (notify !== undefined) a.notify_classes = split(notify);
  if (get('maillog_file')) a.logging = 'file';
  // The outbound TLS level, as the wizard's default (the planner keeps it as the user's when unchanged).
  const tlsLevel = get('smtp_tls_security_level')?.trim().toLowerCase();
  if (tlsLevel === 'may' || tlsLevel === 'dane' || tlsLevel === 'encrypt') a.smtp_tls_security_level = tlsLevel;

  if (get('transport_maps')?.includes(TRANSPORT_MAP)) {
    const t = tableEntries(files[TRANSPORT_MAP]);
    if (t.length) a.transport = Object.fromEntries(t);
  }
  const rr = get('relay_recipient_maps');
  if (rr?.includes(RELAY_RECIPIENTS_MAP)) {
    const r = tableEntries(files[RELAY_RECIPIENTS_MAP]).map(([k]) => k);
    if (r.length) a.relay_recipients = r;
  }

  // Who reads postmaster's mail: the virtual map (null client, gateway) or the aliases.
  const virtual = Object.fromEntries(
    tableEntries(get('virtual_alias_maps')?.includes(VIRTUAL_MAP) ? files[VIRTUAL_MAP] : null),
  );
  let postmaster: string | undefined = virtual.root ?? virtual.postmaster;
  if (!postmaster && files[ALIASES]) {
    try {
      const al = Aliases.parse(files[ALIASES] as string);
      const root = al.get('root');
      const pm = al.get('postmaster');
      postmaster = [root, pm].find((v) => v !== undefined && v !== 'root' && !v.includes(','));
    } catch {
      postmaster = undefined;
    }
  }
  if (postmaster) a.postmaster = postmaster;

  if (files[MASTER_CF]) {
    try {
      const smtp = MasterCf.parse(files[MASTER_CF] as string).get('smtp', 'inet');
      if (smtp) a.chroot = smtp.chroot === 'y';
    } catch {
      // An unparseable master.cf says nothing about chroot.
    }
  }

  const view: ConfigView = {
    get,
    list: (n) => split(get(n)),
    relayDomains,
    destinations: split(get('mydestination')).map((d) => d.toLowerCase()),
    domain,
  };
  const role = RECOGNITION_ORDER.find((id) => roleModule(id).recognize(view)) ?? 'custom';
  return described({ role, answers: role === 'custom' ? a : { ...a, role }, source: 'config' }, cf);
}
