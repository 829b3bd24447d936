/**
 * Peace with debconf (Debian/Ubuntu). Debian's postfix package keeps its own answers
 * (postfix/main_mailer_type, mailname, relayhost, destinations, mynetworks, protocols) and its
 * postinst writes them into main.cf with `postconf -e` whenever a question counts as answered —
 * in an interactive `dpkg-reconfigure postfix`, where a human pressing Enter takes debconf's
 * stale values. With the mailer type "No configuration" the postinst leaves main.cf alone.
 * mailsetup therefore pins "No configuration" after it configured Postfix, and warns when
 * debconf's answers disagree with main.cf.
 *
 * debconf belongs to the running system: under --root (fx.live false) nothing here reads or
 * changes it.
 */
import { expand } from '../postfix/expand.js';
import { splitList } from '../postfix/lists.js';
import { postfixDefaults } from '../postfix/defaults.js';
import { MainCf } from '../postfix/mainCf.js';
import { describeFailure, type StepOutcome } from './services.js';
import type { Effects } from '../model/effects.js';

export const NO_CONFIGURATION = 'No configuration';
export const PIN_SELECTION = 'postfix postfix/main_mailer_type select No configuration\n';

const TIMEOUT_MS = 60_000;

/**
 * Parse `debconf-show postfix` ("* postfix/main_mailer_type: No configuration", "  postfix/relayhost:")
 * into question → value (question names without "postfix/").
 */
export function parseDebconfShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^[* ] postfix\/([^:\s]+):(?: (.*))?$/.exec(line.replace(/\r$/, ''));
    if (m) out[m[1]] = m[2] ?? '';
  }
  return out;
}

/** Parse `debconf-get-selections` lines "postfix<TAB>postfix/relayhost<TAB>string<TAB>value". */
export function parseDebconfSelections(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const f = line.replace(/\r$/, '').split('\t');
    if (f.length < 3 || f[0] !== 'postfix' || !f[1].startsWith('postfix/')) continue;
    out[f[1].slice('postfix/'.length)] = f.slice(3).join('\t');
  }
  return out;
}

/**
 * debconf's answers for the postfix package: `debconf-show postfix`, or `debconf-get-selections`
 * (debconf-utils) where debconf-show is missing. null when debconf has none (not Debian, postfix
 * never installed) or under --root.
 */
export async function debconfAnswers(fx: Effects): Promise<Record<string, string> | null> {
  if (!fx.live) return null;
  const show = await fx.run('debconf-show', ['postfix'], { timeoutMs: TIMEOUT_MS });
  if (show.exitCode === 0) {
    const a = parseDebconfShow(show.stdout);
    return Object.keys(a).length ? a : null;
  }
  const sel = await fx.run('debconf-get-selections', [], { timeoutMs: TIMEOUT_MS });
  if (sel.exitCode !== 0) return null;
  const a = parseDebconfSelections(sel.stdout);
  return Object.keys(a).length ? a : null;
}

/** debconf's postfix/main_mailer_type ("No configuration", "Internet Site", …), or null when unknown. */
export async function debconfMailerType(fx: Effects): Promise<string | null> {
  const a = await debconfAnswers(fx);
  const v = a?.main_mailer_type;
  return v === undefined || v === '' ? null : v;
}

/** debconf's database of answers (the default `config` database of /etc/debconf.conf). */
export const DEBCONF_CONFIG_DAT = '/var/cache/debconf/config.dat';

/**
 * Whether debconf's config.dat already holds the pin: the stanza `Name: postfix/main_mailer_type`
 * with `Value: No configuration` and the `seen` flag (what debconf-set-selections leaves). Any
 * other shape (absent, another value, not seen, unreadable) is false: the pin is set again.
 */
export function pinnedInConfigDat(text: string): boolean {
  for (const stanza of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z-]+):[ \t]?(.*)$/.exec(line.replace(/\r$/, ''));
      if (m && !fields.has(m[1])) fields.set(m[1], m[2]);
    }
    if (fields.get('Name') !== 'postfix/main_mailer_type') continue;
    const flags = (fields.get('Flags') ?? '').split(/[,\s]+/);
    return fields.get('Value') === NO_CONFIGURATION && flags.includes('seen');
  }
  return false;
}

/**
 * Set postfix/main_mailer_type to "No configuration" (debconf-set-selections), so that
 * `dpkg-reconfigure postfix` and package upgrades leave main.cf alone. Skipped under --root, and
 * when debconf's database already says so (a re-run: debconf-set-selections, a Perl program,
 * takes about half a second).
 */
export async function pinNoConfiguration(fx: Effects): Promise<StepOutcome> {
  if (!fx.live)
    return { status: 'skipped', detail: '--root: debconf belongs to the running system', warnings: [], results: [] };
  const db = await fx.readFile(DEBCONF_CONFIG_DAT).catch(() => null);
  if (db !== null && pinnedInConfigDat(db)) {
    return {
      status: 'skipped',
      detail: `debconf already has postfix/main_mailer_type = No configuration (${DEBCONF_CONFIG_DAT})`,
      warnings: [],
      results: [],
    };
  }
  const r = await fx.run('debconf-set-selections', [], { input: PIN_SELECTION, timeoutMs: TIMEOUT_MS });
  if (r.exitCode !== 0 || r.timedOut) {
    return { status: 'failed', error: describeFailure(r, TIMEOUT_MS), warnings: [], results: [r] };
  }
  return { status: 'ok', detail: 'debconf: postfix/main_mailer_type = No configuration', warnings: [], results: [r] };
}

/** One debconf answer that disagrees with main.cf. */
export interface DebconfWarning {
  /** The debconf question without "postfix/" (main_mailer_type, mailname, relayhost, destinations, mynetworks, protocols). */
  question: string;
  /** The main.cf parameter it writes. */
  parameter: string;
  debconf: string;
  mainCf: string;
  /**
   * 'overwrite': an answered `dpkg-reconfigure postfix` rewrites the parameter (mailer type →
   * inet_interfaces, relayhost, mailname → myorigin and /etc/mailname, destinations →
   * mydestination). 'stale': debconf's stored answer differs, but the reconfigure offers
   * main.cf's current value for it (mynetworks, protocols), so only the record is out of date.
   */
  effect: 'overwrite' | 'stale';
  message: string;
}

/** What each mailer type makes the postinst write into inet_interfaces (and relayhost, for the types without one). */
const MAILER_INTERFACES: Record<string, string> = {
  'Internet Site': 'all',
  'Internet with smarthost': 'all',
  'Satellite system': 'loopback-only',
  'Local only': 'loopback-only',
};
const MAILER_WITH_RELAYHOST = new Set(['Internet with smarthost', 'Satellite system']);

/**
 * Compare debconf's answers with main.cf (pure). `mailnameFile` is the content of /etc/mailname
 * (null when absent); `fqdn` feeds Postfix's defaults ($myhostname when main.cf has none).
 * No warnings when the mailer type is "No configuration" (or unknown): then a reconfigure or an
 * upgrade does not write main.cf.
 */
export function compareDebconf(
  answers: Record<string, string>,
  mainCfText: string,
  mailnameFile: string | null,
  fqdn = 'localhost',
): DebconfWarning[] {
  const mailer = answers.main_mailer_type ?? '';
  if (mailer === '' || mailer === NO_CONFIGURATION || !(mailer in MAILER_INTERFACES)) return [];
  const cf = MainCf.parse(mainCfText);
  const defaults = postfixDefaults({ fqdn: cf.get('myhostname') ?? fqdn }, cf);
  const lookup = (n: string) => cf.get(n) ?? defaults[n];
  const value = (v: string) => {
    try {
      return expand(v, lookup).trim();
    } catch {
      return v.trim();
    }
  };
  const param = (n: string) => value(lookup(n) ?? '');
  const out: DebconfWarning[] = [];
  const tail = 'a "dpkg-reconfigure postfix" would write debconf\'s value into main.cf';
  const stale = 'debconf\'s record is stale (a "dpkg-reconfigure postfix" offers main.cf\'s value for this one)';
  const warn = (
    question: string,
    parameter: string,
    debconf: string,
    mainCf: string,
    message: string,
    effect: DebconfWarning['effect'] = 'overwrite',
  ) => out.push({ question, parameter, debconf, mainCf, effect, message });

  const ifaces = MAILER_INTERFACES[mailer];
  if (param('inet_interfaces') !== ifaces) {
    warn(
      'main_mailer_type',
      'inet_interfaces',
      mailer,
      param('inet_interfaces'),
      `debconf's mail configuration type is "${mailer}" (inet_interfaces = ${ifaces}) but main.cf has inet_interfaces = ${param('inet_interfaces')}: ${tail}`,
    );
  }
  const relay = MAILER_WITH_RELAYHOST.has(mailer) ? (answers.relayhost ?? '') : '';
  const relayNow = cf.get('relayhost') ?? '';
  if (relay !== relayNow && value(relay) !== param('relayhost')) {
    const why = MAILER_WITH_RELAYHOST.has(mailer)
      ? `debconf's postfix/relayhost is "${relay}"`
      : `debconf's mail configuration type "${mailer}" has no relay host`;
    warn('relayhost', 'relayhost', relay, relayNow, `${why} but main.cf has relayhost = ${relayNow}: ${tail}`);
  }
  const mailname = answers.mailname ?? '';
  if (mailname !== '') {
    const origin = param('myorigin');
    const effective = origin.startsWith('/') ? (mailnameFile ?? '').split('\n')[0].trim() : origin;
    if (mailname.toLowerCase() !== effective.toLowerCase()) {
      warn(
        'mailname',
        'myorigin',
        mailname,
        effective,
        `debconf's postfix/mailname is "${mailname}" but this host's mail name (myorigin) is ` +
          `${effective === '' ? '(empty)' : effective}: ${tail} (and into /etc/mailname)`,
      );
    }
  }
  // destinations: the reconfigure rewrites mydestination (with main.cf's expanded value once
  // debconf recorded it, else with a default made from the host name): warn when they differ.
  // mynetworks and protocols: it offers main.cf's expanded value, so debconf's is only stale.
  const lists: Array<[string, string, DebconfWarning['effect']]> = [
    ['destinations', 'mydestination', 'overwrite'],
    ['mynetworks', 'mynetworks', 'stale'],
    ['protocols', 'inet_protocols', 'stale'],
  ];
  for (const [q, p, effect] of lists) {
    const dv = answers[q] ?? '';
    if (dv === '') continue;
    const a = splitList(value(dv)).map((x) => x.toLowerCase());
    const b = splitList(param(p)).map((x) => x.toLowerCase());
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
      const now = cf.get(p) ?? param(p);
      const consequence = effect === 'overwrite' ? `a "dpkg-reconfigure postfix" would rewrite ${p}` : stale;
      warn(q, p, dv, now, `debconf's postfix/${q} is "${dv}" but main.cf has ${p} = ${now}: ${consequence}`, effect);
    }
  }
  return out;
}

/**
 * Warnings where debconf's answers (mailer type, mailname, relayhost, destinations, mynetworks,
 * protocols) disagree with `mainCfText` (the main.cf mailsetup is about to write, or has).
 * Empty when debconf is pinned to "No configuration", absent, or under --root.
 */
export async function debconfDisagreement(fx: Effects, mainCfText: string, fqdn?: string): Promise<DebconfWarning[]> {
  const answers = await debconfAnswers(fx);
  if (!answers) return [];
  const mailname = await fx.readFile('/etc/mailname');
  return compareDebconf(answers, mainCfText, mailname, fqdn);
}
