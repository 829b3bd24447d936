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
import { parseState } from './state.js';
import {
  ALIASES,
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

/** Recognise the role and answers from the files (paths as in PLAN_PATHS). */
export function detect(files: Readonly<Record<string, string | null>>): Detection {
  const stateText = files[STATE_PATH];
  const mainText = files[MAIN_CF];
  if (stateText) {
    const state = parseState(stateText);
    const cf = mainText ? MainCf.parse(mainText) : null;
    return described({ role: state.answers.role, answers: state.answers, source: 'state' }, cf, state.main.owned);
  }
  if (mainText === null || mainText === undefined) return described({ role: null, answers: {}, source: 'none' }, null);
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
  if (mynetworks !== undefined && !/[:/][a-z]|^[a-z]+:/.test(mynetworks)) a.mynetworks = split(mynetworks);
  const relayDomains = split(get('relay_domains')).filter((d) => !d.startsWith('$'));
  if (relayDomains.length) a.relay_domains = relayDomains;
  const proxy = split(get('proxy_interfaces'));
  if (proxy.length) a.proxy_interfaces = proxy;
  const inetInterfaces = get('inet_interfaces');
  if (inetInterfaces !== undefined) a.inet_interfaces = inetInterfaces;
  const protocols = get('inet_protocols');
  if (protocols !== undefined) a.inet_protocols = protocols;
  const notify = get('notify_classes');
  if (notify !== undefined) a.notify_classes = split(notify);
  if (get('maillog_file')) a.logging = 'file';

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
    domain: (mydomain ?? (myhostname ? parentDomain(myhostname) : '')).toLowerCase(),
  };
  const role = RECOGNITION_ORDER.find((id) => roleModule(id).recognize(view)) ?? 'custom';
  return described({ role, answers: role === 'custom' ? a : { ...a, role }, source: 'config' }, cf);
}

/** The main.cf values the start header shows. */
const SHOWN = ['myhostname', 'mydomain', 'relayhost', 'relay_domains', 'mynetworks'] as const;

/**
 * The lines under "Role:" in the wizard's start header: where the current configuration comes
 * from and its main values, as main.cf has them now (what Postfix runs with), not as mailsetup
 * recorded them: a value changed by hand since says so. The header's own lines show the host,
 * its addresses and the Postfix status, so they are not repeated here.
 */
function described(d: Omit<Detection, 'summary'>, cf: MainCf | null, owned: Record<string, string> = {}): Detection {
  const lines: string[] = [];
  if (d.role === null) lines.push('No Postfix configuration yet (no main.cf)');
  else if (d.role === 'custom') lines.push('Current configuration: custom (not one of the standard roles)');
  else
    lines.push(
      `Current role: ${d.role}${d.source === 'state' ? ' (set up by mailsetup)' : ' (recognised from main.cf)'}`,
    );
  if (d.source === 'state' && cf === null) lines.push('  main.cf is missing: mailsetup set it up, someone removed it');
  for (const k of SHOWN) {
    const v = cf?.get(k);
    const ours = owned[k];
    if (ours !== undefined && v !== ours) {
      lines.push(
        `  ${k} = ${v === undefined ? '(not set)' : v} (changed by hand; mailsetup set ${ours === '' ? '(empty)' : ours})`,
      );
      continue;
    }
    if (v === undefined || v.trim() === '') continue;
    lines.push(`  ${k} = ${v}`);
  }
  return { ...d, summary: lines };
}
