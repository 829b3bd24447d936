/**
 * plan(): complete answers + host facts + the files as they are now → every file change and
 * every command a correct configuration needs. Pure: no I/O, no clock. Edits go through the
 * config-file layer (src/postfix/), so every byte mailsetup does not own stays as it is.
 */
import { Aliases } from '../postfix/aliases.js';
import { joinList, splitList } from '../postfix/lists.js';
import { postfixDefaults } from '../postfix/defaults.js';
import { expand, expandParam } from '../postfix/expand.js';
import { LookupTable } from '../postfix/lookupTable.js';
import { MainCf } from '../postfix/mainCf.js';
import { MasterCf, type MasterEntry } from '../postfix/masterCf.js';
import { splitPhysicalLines } from '../postfix/lines.js';
import { checkAliasTarget, validateAliasTarget } from '../postfix/validate.js';
import { definitionText, replaceDefinition } from './mainText.js';
import {
  FIX_VALUE_COMMENTS,
  MIGRATE_DEPRECATED,
  findDeprecated,
  findValueComments,
  fixValueComments,
  migrateDeprecated,
} from './cleanups.js';
import { roleModule } from '../roles/index.js';
import { usedAnswersOnly } from '../roles/usage.js';
import type { LintService, MapSpec, PlanContext, Resolved, RoleConfig } from '../roles/role.js';
import type { FileMeta } from '../model/effects.js';
import type { DeprecatedParameter, HostFacts } from '../model/host.js';
import { lint } from './lint/index.js';
import { CHROOT_SERVICE_KEYS, emptyState, parseState, serializeState, type State } from './state.js';
import {
  NO_FACTS,
  type Action,
  type Drift,
  type Finding,
  type FileChange,
  type ParamChange,
  type Plan,
  type PlanFacts,
  type PlannedFiles,
  type Templates,
} from '../model/plan.js';
import {
  ALIASES,
  CERTBOT_DEPLOY_HOOK,
  LOGROTATE_DROPIN,
  MAILLOG_FILE,
  MAILNAME,
  MAIN_CF,
  MASTER_CF,
  PLANNED_PATHS,
  RSYSLOG_DROPIN,
  STATE_PATH,
} from '../model/paths.js';
import type { CertificateCheck } from '../model/tls.js';
import { deployHookScript, planTls, REPLACE_TLS, tlsSummary, type TlsPlan } from './tls.js';

export { SECRET_PLACEHOLDER } from './secrets.js';
import { SECRET_PLACEHOLDER } from './secrets.js';

/** Every file the planner may read or write; the caller reads them all into `files`. */
export const PLAN_PATHS = PLANNED_PATHS;

/** Files that are not Postfix's configuration: changing them needs no postfix check or reload. */
const NOT_POSTFIX = new Set<string>([STATE_PATH, MAILNAME, RSYSLOG_DROPIN, CERTBOT_DEPLOY_HOOK, LOGROTATE_DROPIN]);

/** Network-facing services Debian chroots (40_chroot_by_default.diff). */
export const CHROOT_SERVICES = CHROOT_SERVICE_KEYS;

export type { Templates };

export type HandEdits = 'keep' | 'ours';

export interface PlanInput {
  answers: Resolved;
  host: HostFacts;
  /** Current contents of PLAN_PATHS (null = absent). */
  files: Readonly<Record<string, string | null>>;
  /** Mode and owner of the existing files of PLAN_PATHS, where known: the modes Postfix expects are planned. */
  meta?: Readonly<Record<string, FileMeta>>;
  templates: Templates;
  /**
   * Parameters mailsetup set and someone changed by hand since: keep the hand edit or take
   * mailsetup's value. Default: 'ours' when the answers override overwrite-hand-edits, else 'keep'.
   */
  handEdits?: HandEdits | Record<string, HandEdits>;
  /**
   * The system layer's checks of the certificate candidates (certificateCandidates in tls.ts),
   * by certFilesKey. The session supplies them; a certificate without a check is planned unchecked.
   */
  certs?: Readonly<Record<string, CertificateCheck>>;
  /** The live system (default); false for a --root sandbox (no snakeoil certificate is made there). */
  live?: boolean;
  /**
   * Ignore the state file (it does not validate and the user chose a fresh start): plan as if
   * mailsetup had never run; the state file is replaced, and the apply's backup keeps its copy.
   */
  freshState?: boolean;
  /** The state file of `files`, already parsed (it is parsed once per run). */
  state?: State;
  /** What the machine says of the files, users and names the answers refer to (src/system/facts.ts). */
  facts?: PlanFacts;
}

/** The configuration a role wants, with the parameters every role settles. */
export function desiredConfig(a: Resolved, ctx: PlanContext): RoleConfig {
  const role = roleModule(a.role).configure(a, ctx);
  const main: Record<string, string> = {
    myhostname: a.myhostname,
    mydomain: a.mydomain,
    myorigin: a.myorigin,
    inet_protocols: a.inet_protocols,
    notify_classes: joinList(a.notify_classes),
    alias_maps: `${ctx.dbType}:${ALIASES}`,
    alias_database: `${ctx.dbType}:${ALIASES}`,
    ...role.main,
  };
  if (a.logging === 'file') main.maillog_file = MAILLOG_FILE;
  return { ...role, main };
}

function sameSet(a: Iterable<string>, b: Iterable<string>): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function handEditPolicy(h: PlanInput['handEdits'], name: string): HandEdits {
  if (h === undefined) return 'keep';
  if (typeof h === 'string') return h;
  return h[name] ?? 'keep';
}

/** Whether two values of a parameter say the same to Postfix (lists: the same items in the same order). */
function sameValue(a: string, b: string | undefined): boolean {
  return b !== undefined && (a === b || splitList(a).join(' ') === splitList(b).join(' '));
}

/**
 * main.cf: set what the role wants, restore what the old role set and this one does not.
 *
 * A parameter mailsetup set and someone changed since (a hand edit) stays the user's: it is kept
 * as it is, and the ledger goes on recording mailsetup's own value, so that the next run sees the
 * hand edit again (never mailsetup's value, which a later run would then revert). It becomes
 * mailsetup's only when the user chooses mailsetup's value (`ours`) or asks for a new one (an
 * answer that is neither mailsetup's recorded value nor the hand edit's). A hand edit of a
 * parameter the new role no longer sets is left as it is and stops being mailsetup's.
 */
function planMain(
  text: string,
  want: Record<string, string>,
  state: State,
  next: State,
  handEdits: PlanInput['handEdits'],
): { text: string; drift: Drift[]; touched: string[]; kept: string[] } {
  const cf = MainCf.parse(text);
  const drift: Drift[] = [];
  const kept: string[] = [];
  /** What mailsetup owns after this run: its own values. */
  const owned: Record<string, string> = { ...want };
  /** What main.cf gets (undefined: a parameter removed by hand stays removed). */
  const write: Record<string, string | undefined> = { ...want };
  /** Hand edits of parameters the new role drops: left alone, no longer mailsetup's. */
  const released = new Set<string>();
  for (const [name, ours] of Object.entries(state.main.owned)) {
    const now = cf.get(name);
    if (now === ours) continue;
    drift.push({ name, ours, now });
    const keep = handEditPolicy(handEdits, name) === 'keep';
    if (!(name in want)) {
      if (keep) released.add(name);
      continue;
    }
    // The answer asks for mailsetup's value or for the hand edit's own (the current value the
    // questions offer): no new value, so the hand edit stays, or mailsetup's value comes back.
    const noNewValue = want[name] === ours || (now !== undefined && sameValue(want[name], now));
    if (!noNewValue) continue;
    write[name] = keep ? now : ours;
    owned[name] = ours;
    kept.push(name);
  }
  // Values before mailsetup first touched each parameter, and their text where it is not the
  // `name = value` line an edit writes.
  const previous: Record<string, string | null> = { ...state.main.previous };
  const originalLines: Record<string, string> = { ...(state.main.lines ?? {}) };
  for (const name of Object.keys(owned)) {
    if (name in previous) continue;
    const value = cf.get(name);
    previous[name] = value ?? null;
    const text = value === undefined ? null : definitionText(cf, name);
    if (text !== null && text !== `${name} = ${value}\n`) originalLines[name] = text;
  }
  const firstValues = { ...previous };
  const appendedBefore = Object.keys(state.main.owned).filter((n) => previous[n] === null && !released.has(n));
  const appendedNow = Object.keys(owned).filter((n) => previous[n] === null);
  // Parameters the old role set and this one does not: back to their earlier value, or gone.
  const dropped = Object.keys(state.main.owned).filter((n) => !(n in owned));
  const restore: Array<[string, string]> = [];
  const remove: string[] = [];
  for (const n of dropped) {
    const p = previous[n];
    delete previous[n];
    if (released.has(n)) continue;
    if (p === null || p === undefined) remove.push(n);
    else restore.push([n, p]);
  }
  if (!sameSet(appendedBefore, appendedNow)) {
    // The set of parameters mailsetup appended changes (a role change): rebuild that tail in
    // name order, so that switching roles and back gives the same bytes.
    remove.push(...appendedBefore.filter((n) => !remove.includes(n)));
  }
  if (remove.length) cf.removeMany(remove.filter((n) => cf.has(n)));
  if (restore.length) cf.setMany(restore);
  const changes = Object.entries(write).filter(
    (e): e is [string, string] => e[1] !== undefined && cf.get(e[0]) !== e[1],
  );
  if (changes.length) cf.setMany(changes);
  // A parameter set back to the value it had before mailsetup touched it gets its original text.
  let out = cf.toString();
  const rewritten = new Set([...restore.map(([n]) => n), ...changes.map(([n]) => n)]);
  for (const name of rewritten) {
    const text = originalLines[name];
    if (text !== undefined && cf.get(name) === firstValues[name]) out = replaceDefinition(out, name, text);
  }
  next.main.owned = owned;
  next.main.previous = Object.fromEntries(Object.keys(owned).map((n) => [n, previous[n] ?? null]));
  const keptLines = Object.entries(originalLines).filter(([n]) => n in owned);
  if (keptLines.length) next.main.lines = Object.fromEntries(keptLines);
  return { text: out, drift, touched: [...new Set([...Object.keys(owned), ...dropped])], kept };
}

/** The physical lines of one master.cf entry (start line + its continuation lines). */
function entryRange(lines: string[], key: string): { start: number; end: number } | null {
  const [service, type] = key.split('/');
  let found: { start: number; end: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const words = lines[i].trim().split(/\s+/);
    if (/^\s/.test(lines[i]) || lines[i].startsWith('#') || words[0] !== service || words[1] !== type) continue;
    let end = i + 1;
    while (
      end < lines.length &&
      /^[ \t\v\f\r]/.test(lines[end]) &&
      lines[end].trim() !== '' &&
      !lines[end].trim().startsWith('#')
    )
      end++;
    found = { start: i, end };
  }
  return found;
}

/** An entry as one master.cf line (for `postconf -Me`): its fields, options, daemon flags and arguments. */
function entryLine(e: MasterEntry): string {
  const opts = e.options.map(([n, v]) => (/\s/.test(v) ? `-o { ${n} = ${v} }` : `-o ${n}=${v}`));
  return [
    e.service,
    e.type,
    e.private,
    e.unprivileged,
    e.chroot,
    e.wakeup,
    e.process_limit,
    e.command,
    ...opts,
    ...e.flags,
    ...e.args,
  ].join(' ');
}

/** Whether two entries are the same service but for the chroot column. */
function sameButChroot(a: MasterEntry | undefined, b: MasterEntry): boolean {
  if (a === undefined) return false;
  return entryLine({ ...a, chroot: '-' }) === entryLine({ ...b, chroot: '-' });
}

/** master.cf: chroot column, services to disable, the postlog service for file logging. */
function planMaster(
  text: string,
  want: RoleConfig,
  a: Resolved,
  state: State,
  next: State,
): { text: string; chrootChanged: boolean } {
  let out = text;
  let chrootChanged = false;
  // The text as parsed last, for the lookups below (most change nothing: one parse serves them);
  // every edit parses afresh.
  let seen: { text: string; cf: MasterCf } | undefined;
  const lookup = (t: string): MasterCf => (seen?.text === t ? seen.cf : (seen = { text: t, cf: MasterCf.parse(t) }).cf);
  next.master = { previous: { ...state.master.previous }, commented: {} };
  // Re-enable what mailsetup commented out and the new role does not disable.
  for (const [key, original] of Object.entries(state.master.commented)) {
    if (want.disableServices.includes(key)) {
      next.master.commented[key] = original;
      continue;
    }
    const commented = splitPhysicalLines(original)
      .map((l) => `#${l}`)
      .join('');
    if (out.includes(commented)) out = out.replace(commented, original);
  }
  for (const key of want.disableServices) {
    if (key in next.master.commented) continue;
    const lines = splitPhysicalLines(out);
    const r = entryRange(lines, key);
    if (!r) continue;
    next.master.commented[key] = lines.slice(r.start, r.end).join('');
    const [service, type] = key.split('/');
    out = MasterCf.parse(out).commentOutService(service, type).toString();
  }
  // TLS needs the tlsmgr service (session cache, random numbers): Debian ships it; put it back where missing.
  if (!lookup(out).get('tlsmgr', 'unix')) {
    out = MasterCf.parse(out).replaceService('tlsmgr', 'unix', 'tlsmgr unix - - y 1000? 1 tlsmgr').toString();
  }
  const wantChroot = a.chroot ? 'y' : 'n';
  for (const key of CHROOT_SERVICES) {
    const [service, type] = key.split('/');
    const e = lookup(out).get(service, type);
    if (!e) continue;
    const original = next.master.previous[key];
    const current = e.chroot === '-' ? 'n' : e.chroot;
    if (original !== undefined && !sameButChroot(MasterCf.parse(original).get(service, type), e)) {
      // The entry changed since mailsetup recorded it (or the record is not what was there):
      // the text is not put back; only the chroot column is set below.
      delete next.master.previous[key];
    } else if (original !== undefined) {
      const originalChroot = MasterCf.parse(original).get(service, type)?.chroot;
      if (originalChroot === wantChroot || (originalChroot === '-' && wantChroot === 'n')) {
        // Back to how it was: restore the original text byte-for-byte.
        const lines = splitPhysicalLines(out);
        const r = entryRange(lines, key);
        if (r) {
          out = [...lines.slice(0, r.start), original, ...lines.slice(r.end)].join('');
          delete next.master.previous[key];
          if (current !== wantChroot) chrootChanged = true;
          continue;
        }
      }
    }
    if (current === wantChroot) continue;
    if (next.master.previous[key] === undefined) {
      const lines = splitPhysicalLines(out);
      const r = entryRange(lines, key);
      if (r) next.master.previous[key] = lines.slice(r.start, r.end).join('');
    }
    out = MasterCf.parse(out)
      .replaceService(service, type, entryLine({ ...e, chroot: wantChroot }))
      .toString();
    chrootChanged = true;
  }
  if (a.logging === 'file' && !lookup(out).get('postlog', 'unix-dgram')) {
    out = MasterCf.parse(out)
      .replaceService('postlog', 'unix-dgram', 'postlog unix-dgram n - n - 1 postlogd')
      .toString();
  }
  return { text: out, chrootChanged };
}

function planAliases(text: string, want: Record<string, string>, state: State, next: State): string {
  // What mailsetup writes is a list of addresses or user names (extra aliases may name several,
  // "alice, bob@example.net"), never a command, file or include.
  for (const v of Object.values(want)) for (const t of v.split(',')) validateAliasTarget(t.trim());
  const al = Aliases.parse(text);
  const previous: Record<string, string | null> = { ...state.aliases.previous };
  for (const name of Object.keys(want)) {
    if (name in previous) continue;
    // A value mailsetup would not write back (a command, a file) is not recorded to restore:
    // the backup of this apply keeps it.
    const now = al.get(name);
    previous[name] = now !== undefined && checkAliasTarget(now) === null ? now : null;
  }
  for (const name of Object.keys(state.aliases.owned)) {
    if (name in want) continue;
    const p = previous[name];
    if (p === null || p === undefined) al.remove(name);
    else if (al.get(name) !== p) al.set(name, p);
    delete previous[name];
  }
  for (const [name, value] of Object.entries(want)) if (al.get(name) !== value) al.set(name, value);
  next.aliases = {
    owned: { ...want },
    previous: Object.fromEntries(Object.keys(want).map((n) => [n, previous[n] ?? null])),
  };
  return al.toString();
}

const MAP_HEADER = (description: string) =>
  `# ${description}\n# Written by mailsetup; it owns only the entries it wrote. Run postmap on this file after editing it.\n`;

function planMap(
  path: string,
  spec: MapSpec | undefined,
  current: string | null,
  state: State,
  next: State,
): string | null {
  const owned = state.maps[path];
  if (!spec && !owned) return current;
  const table =
    current === null ? LookupTable.parse(MAP_HEADER(spec?.description ?? path)) : LookupTable.parse(current);
  const entries = spec?.entries ?? [];
  const wantKeys = new Set(entries.map(([k]) => k));
  const ownedKeys = Object.keys(owned?.keys ?? {});
  // When the set of keys changes (a role change), rewrite them all in the role's order, so that
  // switching roles and back gives the same bytes.
  const rebuild = !sameSet(ownedKeys, wantKeys);
  table.removeMany(ownedKeys.filter((k) => rebuild || !wantKeys.has(k)));
  for (const [k, v] of entries) {
    if (spec?.secret && v.endsWith(`:${SECRET_PLACEHOLDER}`)) {
      // The answers keep the stored password (Session fills it in: src/plan/secrets.ts); the
      // placeholder itself is never written as a password.
      if (table.get(k) !== undefined) continue;
      throw new Error(`${path}: the password to keep for ${k} is not known (give password or password_file)`);
    }
    if (table.get(k) !== v) table.set(k, v);
  }
  const created = owned?.created ?? current === null;
  if (entries.length === 0) {
    return created && table.keys().length === 0 ? null : table.toString();
  }
  next.maps[path] = {
    created,
    keys: Object.fromEntries(entries.map(([k, v]) => [k, spec?.secret ? SECRET_PLACEHOLDER : v])),
  };
  return table.toString();
}

function planRsyslog(current: string | null, a: Resolved, host: HostFacts, templates: Templates): string | null {
  if (!host.rsyslog || a.logging !== 'syslog' || !a.chroot) return current;
  const socket = '$AddUnixListenSocket /var/spool/postfix/dev/log';
  if (current === null) return templates.rsyslog;
  if (current.split('\n').some((l) => l.trim() === socket)) return current;
  return `${current}${current === '' || current.endsWith('\n') ? '' : '\n'}${socket}\n`;
}

/**
 * logrotate's drop-in for Postfix's own log file (MAILLOG_README: a rotated file is closed on
 * "postfix reload"): weekly, four weeks kept, compressed a week late; Postfix reopens its file on
 * the reload after the rename and creates it anew.
 */
export function logrotateDropin(): string {
  return [
    `# Rotation of Postfix's own log file (maillog_file = ${MAILLOG_FILE}).`,
    '# Written by mailsetup; it removes this file when Postfix logs through syslog again.',
    `${MAILLOG_FILE} {`,
    '\tweekly',
    '\trotate 4',
    '\tmissingok',
    '\tnotifempty',
    '\tcompress',
    '\tdelaycompress',
    '\tnocreate',
    '\tpostrotate',
    '\t\t/usr/sbin/postfix status >/dev/null 2>&1 && /usr/sbin/postfix reload >/dev/null 2>&1 || true',
    '\tendscript',
    '}',
    '',
  ].join('\n');
}

/** The logrotate drop-in: written while Postfix logs to its own file, removed (if mailsetup wrote it) when not. */
function planLogrotate(current: string | null, a: Resolved, state: State): string | null {
  const ours = state.created.includes(LOGROTATE_DROPIN);
  if (a.logging === 'file') return current === null || ours ? logrotateDropin() : current;
  return ours ? null : current;
}

/** Compute the plan. Throws only on unreadable input files (the config layer's errors). */
export function plan(input: PlanInput): Plan {
  return makePlan(input, true);
}

/**
 * The files and commands of plan(input) and nothing else: no findings, parameter list or TLS
 * summary, and no state file (mailsetup.yaml: no Postfix tool reads it). They need neither the
 * certificates' checks nor the facts (input.certs and input.facts only make findings). An apply
 * starts its `postfix check` on them while the rest of the plan is made (src/commands/apply/), and
 * apply() takes that check over when plan()'s files and commands are the same (sameChecked).
 */
export function planFiles(input: PlanInput): PlannedFiles {
  return makePlan(input, false);
}

function makePlan(input: PlanInput, full: true): Plan;
function makePlan(input: PlanInput, full: false): PlannedFiles;
function makePlan(input: PlanInput, full: boolean): Plan | PlannedFiles {
  const { answers: a, host, files, templates } = input;
  const ctx: PlanContext = { host, dbType: host.postfix.defaultDatabaseType || 'hash' };
  const stateText = files[STATE_PATH] ?? null;
  // A state file without main.cf (Postfix purged and reinstalled, mailsetup.yaml left behind)
  // describes a configuration that is gone: the box is fresh, and nothing in the old record is a
  // hand edit. So does one the user set aside (--fresh-start: it does not validate).
  const staleState = stateText !== null && (files[MAIN_CF] ?? null) === null;
  const state = stateText && !staleState && !input.freshState ? (input.state ?? parseState(stateText)) : emptyState(a);
  // Choices for this run only: later hand edits are kept again unless asked anew; TLS replaced
  // once is mailsetup's anyway; a clean-up is asked for each time it is wanted. The ledger records
  // the answers this role used, nothing it ignored.
  const oneShot = new Set<string>(['overwrite-hand-edits', REPLACE_TLS, MIGRATE_DEPRECATED, FIX_VALUE_COMMENTS]);
  const next: State = emptyState(
    usedAnswersOnly({ ...a, overrides: a.overrides.filter((o) => !oneShot.has(o)) }, a.role),
  );
  const want = desiredConfig(a, ctx);
  const changes: FileChange[] = [];
  const created = new Set(state.created);
  const add = (
    path: string,
    before: string | null,
    after: string | null,
    description: string,
    extra: Partial<FileChange> = {},
  ) => {
    if (before === null && after !== null) created.add(path);
    if (after === null) created.delete(path);
    if (before !== after) changes.push({ path, before, after, description, ...extra });
  };

  // main.cf
  const mainBefore = files[MAIN_CF] ?? null;
  let mainBase = mainBefore ?? templates.mainCf;
  // The clean-ups the user asked for, on the lines mailsetup did not write (else byte-for-byte).
  const reported = host.postfix.deprecated ?? [];
  if (mainBefore !== null && a.overrides.includes(MIGRATE_DEPRECATED))
    mainBase = migrateDeprecated(mainBase, findDeprecated(mainBase, reported));
  if (mainBefore !== null && a.overrides.includes(FIX_VALUE_COMMENTS)) mainBase = fixValueComments(mainBase);
  const handEdits = input.handEdits ?? (a.overrides.includes('overwrite-hand-edits') ? 'ours' : 'keep');
  const receivesMail = roleModule(a.role).receivesMail;
  const tls: TlsPlan = planTls({
    a,
    host,
    receivesMail,
    dbType: ctx.dbType,
    main: MainCf.parse(mainBase),
    owned: state.main.owned,
    certs: input.certs ?? {},
    live: input.live !== false,
  });
  want.main = { ...want.main, ...tls.main };
  // A setting kept as the user's is not mailsetup's answer: a later hand edit of it stays the user's.
  for (const k of tls.keptAnswers) delete (next.answers as unknown as Record<string, unknown>)[k];
  const m = planMain(mainBase, want.main, state, next, handEdits);
  // A hand edit is not an answer either: the ledger keeps the answer mailsetup's value came from.
  const recorded = next.answers as unknown as Record<string, unknown>;
  const earlier = state.answers as unknown as Record<string, unknown>;
  // Where mailsetup's value came from no answer (a default, as TLS levels and certificates often do),
  // the kept hand edit is recorded as no answer either.
  const written = MainCf.parse(m.text);
  for (const name of m.kept) {
    if (!(name in recorded)) continue;
    if (earlier[name] !== undefined) recorded[name] = earlier[name];
    else if (written.get(name) !== state.main.owned[name]) delete recorded[name];
  }
  add(
    MAIN_CF,
    mainBefore,
    m.text,
    mainBefore === null && templates.mainCfFrom
      ? `Postfix main configuration, started from ${templates.mainCfFrom}`
      : 'Postfix main configuration',
    mainBefore === null ? { mode: 0o644 } : {},
  );

  // master.cf
  const masterBefore = files[MASTER_CF] ?? null;
  const ms = planMaster(masterBefore ?? templates.masterCf, want, a, state, next);
  add(
    MASTER_CF,
    masterBefore,
    ms.text,
    masterBefore === null && templates.masterCfFrom
      ? `Postfix services (master.cf), started from ${templates.masterCfFrom}`
      : 'Postfix services (master.cf)',
    masterBefore === null ? { mode: 0o644 } : {},
  );

  // aliases
  const aliasesBefore = files[ALIASES] ?? null;
  const aliasesAfter = planAliases(aliasesBefore ?? templates.aliases, want.aliases, state, next);
  add(
    ALIASES,
    aliasesBefore,
    aliasesAfter,
    'local aliases (postmaster, root)',
    aliasesBefore === null ? { mode: 0o644 } : {},
  );

  // lookup tables
  const mapPaths = new Set([...want.maps.map((x) => x.path), ...Object.keys(state.maps)]);
  const mapChanges: Array<{ path: string; after: string | null }> = [];
  for (const path of [...mapPaths].sort()) {
    const spec = want.maps.find((x) => x.path === path);
    const before = files[path] ?? null;
    const after = planMap(path, spec, before, state, next);
    if (before !== after) mapChanges.push({ path, after });
    add(
      path,
      before,
      after,
      spec?.description ?? 'lookup table no longer used',
      spec?.secret ? { secret: true, mode: 0o600 } : { mode: 0o644 },
    );
  }

  // /etc/mailname (Debian): the mail name other programs use, = myorigin expanded.
  const finalMain = MainCf.parse(m.text);
  const defaults = postfixDefaults({ fqdn: a.myhostname });
  const value = (cf: MainCf, name: string) => expandParam(cf, name, defaults) ?? '';
  if (host.distro.debianLike) {
    const mailnameBefore = files[MAILNAME] ?? null;
    add(MAILNAME, mailnameBefore, `${value(finalMain, 'myorigin')}\n`, 'the mail name (Debian)');
  }

  // syslog drop-in: the socket inside the chroot.
  const rsyslogBefore = files[RSYSLOG_DROPIN] ?? null;
  const rsyslogAfter = planRsyslog(rsyslogBefore, a, host, templates);
  add(RSYSLOG_DROPIN, rsyslogBefore, rsyslogAfter, 'rsyslog socket inside the Postfix chroot');

  // certbot's deploy hook: Postfix reloads after a renewal of the certificate it uses.
  const hookBefore = files[CERTBOT_DEPLOY_HOOK] ?? null;
  const hookAfter =
    tls.hook !== null ? deployHookScript(tls.hook) : state.created.includes(CERTBOT_DEPLOY_HOOK) ? null : hookBefore;
  add(CERTBOT_DEPLOY_HOOK, hookBefore, hookAfter, "certbot's deploy hook: reload Postfix after a renewal", {
    mode: 0o755,
  });
  // Rotation of Postfix's own log file.
  const logrotateBefore = files[LOGROTATE_DROPIN] ?? null;
  add(
    LOGROTATE_DROPIN,
    logrotateBefore,
    planLogrotate(logrotateBefore, a, state),
    `rotation of Postfix's own log ${MAILLOG_FILE} (logrotate)`,
    { mode: 0o644 },
  );

  // The ledger, last: it records the files created above.
  next.created = [...created].filter((p) => p !== STATE_PATH).sort();
  const configChanged = changes.length > 0;
  if (full && (configChanged || stateText !== null)) {
    const stateAfter = serializeState(next);
    if (configChanged || stateAfter !== stateText)
      add(STATE_PATH, stateText, stateAfter, 'what mailsetup owns (its state file)', { mode: 0o644, quiet: true });
  }

  // The files Postfix reads from mailsetup's hands, with the modes Postfix expects: never group or
  // other writable (`postfix check` warns), secrets 0600. Other bits are the admin's and stay.
  for (const path of [MAIN_CF, MASTER_CF, ALIASES, STATE_PATH, ...[...mapPaths].sort()]) {
    const before = files[path] ?? null;
    const meta = input.meta?.[path];
    if (before === null || meta === undefined) continue;
    const c = changes.find((x) => x.path === path);
    if (c?.after === null) continue;
    const secret = want.maps.find((x) => x.path === path)?.secret === true;
    const expected = secret ? meta.mode & 0o700 & ~0o022 : meta.mode & ~0o022;
    if (expected === meta.mode) continue;
    if (c) {
      c.mode = expected;
      c.modeBefore = meta.mode;
    } else {
      const description =
        {
          [MAIN_CF]: 'Postfix main configuration',
          [MASTER_CF]: 'Postfix services (master.cf)',
          [ALIASES]: 'local aliases (postmaster, root)',
          [STATE_PATH]: 'what mailsetup owns (its state file)',
        }[path] ??
        want.maps.find((x) => x.path === path)?.description ??
        'lookup table';
      changes.push({ path, before, after: before, mode: expected, modeBefore: meta.mode, description });
    }
  }

  const beforeMain = MainCf.parse(mainBefore ?? '');
  // Commands, in order.
  const actions: Action[] = [];
  for (const c of mapChanges) {
    const secret = want.maps.find((x) => x.path === c.path)?.secret === true;
    if (c.after !== null)
      actions.push({ kind: 'postmap', map: `${ctx.dbType}:${c.path}`, path: c.path, ...(secret ? { secret } : {}) });
  }
  // A map removed: its databases go too (a left-over sasl_passwd.db would keep the password).
  for (const c of mapChanges)
    if (c.after === null) actions.push({ kind: 'unmap', map: `${ctx.dbType}:${c.path}`, path: c.path });
  const contentChanged = (path: string) => changes.some((c) => c.path === path && c.before !== c.after);
  if (contentChanged(ALIASES)) actions.push({ kind: 'newaliases', path: ALIASES });
  const postfixFiles = changes.filter((c) => !NOT_POSTFIX.has(c.path));
  if (postfixFiles.length > 0) actions.push({ kind: 'postfix-check' });
  // A file whose mode alone changes is checked, but Postfix need not read anything again.
  if (postfixFiles.some((c) => c.before !== c.after)) {
    const restartReasons: string[] = [];
    for (const p of ['inet_interfaces', 'inet_protocols']) {
      if (safeExpand(beforeMain, p, defaults) !== safeExpand(finalMain, p, defaults))
        restartReasons.push(`${p} changed (Postfix must stop and start)`);
    }
    if (ms.chrootChanged) restartReasons.push('chroot changed (the chroot files are copied on start)');
    if (mainBefore === null) restartReasons.push('first configuration');
    if (!host.postfix.running) restartReasons.push('Postfix is not running');
    if (restartReasons.length) actions.push({ kind: 'restart', reason: restartReasons.join('; ') });
    else if (contentChanged(MAIN_CF) || contentChanged(MASTER_CF)) actions.push({ kind: 'reload' });
  }
  if (contentChanged(RSYSLOG_DROPIN)) actions.push({ kind: 'syslog-restart', reason: 'its Postfix socket changed' });
  if (!full) return { files: changes, actions };

  // Parameters, before → after.
  const params: ParamChange[] = [];
  for (const name of [...new Set([...m.touched, ...m.drift.map((d) => d.name)])].sort()) {
    const before = beforeMain.get(name);
    const after = finalMain.get(name);
    if (before === after) continue;
    params.push({
      name,
      before,
      after,
      beforeExpanded: safeExpand(beforeMain, name, defaults),
      afterExpanded: safeExpand(finalMain, name, defaults),
    });
  }

  const lintMaster = masterView(ms.text, finalMain, defaults);
  const findings = lint({
    a,
    host,
    main: (name) => safeExpand(finalMain, name, defaults),
    isSet: (name) => finalMain.has(name),
    // What the user had: a value mailsetup wrote itself is nobody else's table.
    before: (name) => (state.main.owned[name] === beforeMain.get(name) ? undefined : beforeMain.get(name)),
    services: lintMaster.services,
    transports: lintMaster.transports,
    raw: (name) => finalMain.get(name),
    expand: (value) => expand(value, (n) => finalMain.get(n) ?? defaults[n]),
    facts: input.facts ?? NO_FACTS,
    aliases: Aliases.parse(aliasesAfter),
  });
  for (const d of m.drift) findings.push(handEditFinding(d, finalMain.get(d.name), d.name in want.main));
  if (staleState) findings.push(STALE_STATE_FINDING);
  findings.push(...tls.findings);
  const offers = cleanupFindings(m.text, reported, findings);
  return {
    role: a.role,
    previousRole: stateText && !staleState ? state.answers.role : null,
    answers: a,
    files: changes,
    actions,
    params,
    findings,
    drift: m.drift,
    tls: tlsSummary(tls, { a, host, receivesMail, live: input.live !== false }, (name) =>
      safeExpand(finalMain, name, defaults),
    ),
    ...(tls.certificate?.create ? { makeSnakeoil: true } : {}),
    ...(offers.migrateDeprecated + offers.fixValueComments > 0 ? { offers } : {}),
  };
}

/**
 * What is left in the planned main.cf that Postfix warns about and mailsetup did not write:
 * deprecated parameters (as the installed Postfix reported them) and values with a `# comment`
 * inside; a finding for each, and how many of them the opt-in clean-ups would fix.
 */
function cleanupFindings(
  text: string,
  reported: readonly DeprecatedParameter[],
  findings: Finding[],
): NonNullable<Plan['offers']> {
  let migrateDeprecated = 0;
  for (const d of findDeprecated(text, reported)) {
    const what = d.value === undefined ? `${d.name} (${d.file})` : `${d.name} = ${d.value}`;
    let todo: string;
    if (d.manual !== undefined) todo = `not migrated: ${d.manual}`;
    else {
      migrateDeprecated++;
      const how = d.replacement ? `write ${d.replacement.name} = ${d.replacement.value} in its place` : 'remove it';
      todo = `mailsetup can ${how} when you accept it (m in the preview; ${MIGRATE_DEPRECATED} in the answers' overrides)`;
    }
    findings.push({
      id: 'deprecated-parameter',
      level: 'warning',
      message:
        `${what}: this Postfix will remove support for it and warns on every postconf call and in postfix check ` +
        `(instead, ${d.advice}); ${todo}`,
    });
  }
  const comments = findValueComments(text);
  for (const c of comments) {
    findings.push({
      id: 'value-comment',
      level: 'warning',
      message:
        `${c.name} (line ${c.line}): "${c.comments.join(' ')}" is part of the value, not a comment: Postfix reads ` +
        `"${c.value}" (3.10 and later warn about it${c.fatal ? '; postfix check fails on it' : ''}); mailsetup can ` +
        `move it onto a line of its own above when you accept it (c in the preview; ${FIX_VALUE_COMMENTS} in the answers' overrides)`,
    });
  }
  return { migrateDeprecated, fixValueComments: comments.length };
}

/** What the preview says when mailsetup.yaml outlived main.cf. */
export const STALE_STATE_FINDING: Finding = {
  id: 'fresh-box',
  level: 'info',
  message:
    `${MAIN_CF} is missing while ${STATE_PATH} from an earlier setup is still there (Postfix purged and ` +
    'reinstalled?): treating this box as fresh; the old record describes nothing that exists and is replaced',
};

/** The warning that says what happens to a parameter changed by hand since mailsetup set it. */
function handEditFinding(d: Drift, after: string | undefined, stillSet: boolean): Finding {
  const outcome =
    after === d.now
      ? stillSet
        ? "keeping the hand edit (override overwrite-hand-edits to take mailsetup's value)"
        : 'the new role does not set it: the hand edit stays, and mailsetup no longer owns it'
      : after === d.ours
        ? "taking mailsetup's value"
        : stillSet
          ? `taking the value asked for now ("${after ?? ''}")`
          : `restoring its value from before mailsetup set it (${after === undefined ? 'not set' : `"${after}"`})`;
  return {
    id: 'hand-edit',
    level: 'warning',
    message:
      `${d.name} was changed by hand since mailsetup set it (mailsetup: "${d.ours}", ` +
      `now: ${d.now === undefined ? 'removed' : `"${d.now}"`}): ${outcome}`,
  };
}

/**
 * master.cf as the linter sees it: every smtpd service with its effective settings (main.cf and
 * Postfix's defaults, overridden by its -o options) and the names of all services (transports).
 */
function masterView(
  text: string,
  main: MainCf,
  defaults: Record<string, string>,
): { services: LintService[]; transports: Set<string> } {
  const services: LintService[] = [];
  const transports = new Set<string>();
  let entries: MasterEntry[];
  try {
    entries = MasterCf.parse(text).services();
  } catch {
    return { services, transports };
  }
  const fromMain = (n: string) => main.get(n) ?? (Object.hasOwn(defaults, n) ? defaults[n] : undefined);
  for (const e of entries) {
    transports.add(e.service);
    if (e.command.split('/').pop() !== 'smtpd') continue;
    const options: Record<string, string> = Object.fromEntries(e.options);
    const look = (n: string) => (Object.hasOwn(options, n) ? options[n] : fromMain(n));
    const colon = e.service.lastIndexOf(':');
    services.push({
      key: `${e.service}/${e.type}`,
      ...(e.type === 'inet' && colon > 0 ? { host: e.service.slice(0, colon).replace(/^\[|\]$/g, '') } : {}),
      options,
      main(name) {
        const raw = look(name);
        if (raw === undefined) return '';
        try {
          return expand(raw, look, { self: name });
        } catch (err) {
          return `(cannot expand: ${(err as Error).message})`;
        }
      },
      isSet: (name) => Object.hasOwn(options, name) || main.has(name),
    });
  }
  return { services, transports };
}

function safeExpand(cf: MainCf, name: string, defaults: Record<string, string>): string {
  try {
    return expandParam(cf, name, defaults) ?? '';
  } catch (err) {
    return `(cannot expand: ${(err as Error).message})`;
  }
}
