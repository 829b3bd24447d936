/**
 * plan(): complete answers + host facts + the files as they are now → every file change and
 * every command a correct configuration needs. Pure: no I/O, no clock. Edits go through the
 * config-file layer (src/postfix/), so every byte mailsetup does not own stays as it is.
 */
import { Aliases } from '../postfix/aliases.js';
import { joinList } from '../postfix/lists.js';
import { postfixDefaults } from '../postfix/defaults.js';
import { expandParam } from '../postfix/expand.js';
import { LookupTable } from '../postfix/lookupTable.js';
import { MainCf } from '../postfix/mainCf.js';
import { MasterCf, type MasterEntry } from '../postfix/masterCf.js';
import { splitPhysicalLines } from '../postfix/lines.js';
import { definitionText, replaceDefinition } from './mainText.js';
import {
  FIX_VALUE_COMMENTS,
  MIGRATE_DEPRECATED,
  findDeprecated,
  findValueComments,
  fixValueComments,
  migrateDeprecated,
} from './cleanups.js';
import {} from '../roles/common.js';
import { roleModule } from '../roles/index.js';
import type { MapSpec, PlanContext, Resolved, RoleConfig } from '../roles/role.js';
import type { DeprecatedParameter, HostFacts } from '../model/host.js';
import { lint } from './lint/index.js';
import { emptyState, parseState, serializeState, type State } from './state.js';
import type { Action, Drift, FileChange, Finding, ParamChange, Plan, Templates } from '../model/plan.js';
import { ALIASES, MAILLOG_FILE, MAILNAME, MAIN_CF, MASTER_CF, RSYSLOG_DROPIN, STATE_PATH } from '../model/paths.js';

export const SECRET_PLACEHOLDER = '(secret)';

/** Every file the planner may read or write; the caller reads them all into `files`. */
export const PLAN_PATHS = [
  MAIN_CF,
  MASTER_CF,
  ALIASES,
  MAILNAME,
  RSYSLOG_DROPIN,
  STATE_PATH,
  '/etc/postfix/transport',
  '/etc/postfix/relay_recipients',
  '/etc/postfix/virtual',
  '/etc/postfix/sasl_passwd',
] as const;

/** Network-facing services Debian chroots (40_chroot_by_default.diff). */
export const CHROOT_SERVICES = [
  'smtp/inet',
  'pickup/unix',
  'cleanup/unix',
  'tlsmgr/unix',
  'rewrite/unix',
  'bounce/unix',
  'defer/unix',
  'trace/unix',
  'verify/unix',
  'flush/unix',
  'smtp/unix',
  'relay/unix',
  'showq/unix',
  'error/unix',
  'retry/unix',
  'discard/unix',
  'lmtp/unix',
  'anvil/unix',
  'scache/unix',
] as const;

export type { Templates };

export type HandEdits = 'keep' | 'ours';

export interface PlanInput {
  answers: Resolved;
  host: HostFacts;
  /** Current contents of PLAN_PATHS (null = absent). */
  files: Readonly<Record<string, string | null>>;
  templates: Templates;
  /**
   * Parameters mailsetup set and someone changed by hand since: keep the hand edit or take
   * mailsetup's value. Default: 'ours' when the answers override overwrite-hand-edits, else 'keep'.
   */
  handEdits?: HandEdits | Record<string, HandEdits>;
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

/** main.cf: set what the role wants, restore what the old role set and this one does not. */
function planMain(
  text: string,
  want: Record<string, string>,
  state: State,
  next: State,
  handEdits: PlanInput['handEdits'],
): { text: string; drift: Drift[]; touched: string[] } {
  const cf = MainCf.parse(text);
  const drift: Drift[] = [];
  const desired = { ...want };
  for (const [name, ours] of Object.entries(state.main.owned)) {
    const now = cf.get(name);
    if (now === ours) continue;
    drift.push({ name, ours, now });
    // A hand edit wins unless the user asked for a new value this time, or chose ours.
    if (name in desired && desired[name] === ours && handEditPolicy(handEdits, name) === 'keep') {
      if (now === undefined) delete desired[name];
      else desired[name] = now;
    }
  }
  // Values before mailsetup first touched each parameter, and their text where it is not the
  // `name = value` line an edit writes.
  const previous: Record<string, string | null> = { ...state.main.previous };
  const originalLines: Record<string, string> = { ...(state.main.lines ?? {}) };
  for (const name of Object.keys(desired)) {
    if (name in previous) continue;
    const value = cf.get(name);
    previous[name] = value ?? null;
    const text = value === undefined ? null : definitionText(cf, name);
    if (text !== null && text !== `${name} = ${value}\n`) originalLines[name] = text;
  }
  const firstValues = { ...previous };
  const appendedBefore = Object.keys(state.main.owned).filter((n) => previous[n] === null);
  const appendedNow = Object.keys(desired).filter((n) => previous[n] === null);
  // Parameters the old role set and this one does not: back to their earlier value, or gone.
  const dropped = Object.keys(state.main.owned).filter((n) => !(n in desired));
  const restore: Array<[string, string]> = [];
  const remove: string[] = [];
  for (const n of dropped) {
    const p = previous[n];
    if (p === null || p === undefined) remove.push(n);
    else restore.push([n, p]);
    delete previous[n];
  }
  if (!sameSet(appendedBefore, appendedNow)) {
    // The set of parameters mailsetup appended changes (a role change): rebuild that tail in
    // name order, so that switching roles and back gives the same bytes.
    remove.push(...appendedBefore.filter((n) => !remove.includes(n)));
  }
  if (remove.length) cf.removeMany(remove.filter((n) => cf.has(n)));
  if (restore.length) cf.setMany(restore);
  const changes = Object.entries(desired).filter(([n, v]) => cf.get(n) !== v);
  if (changes.length) cf.setMany(changes);
  // A parameter set back to the value it had before mailsetup touched it gets its original text.
  let out = cf.toString();
  const rewritten = new Set([...restore.map(([n]) => n), ...changes.map(([n]) => n)]);
  for (const name of rewritten) {
    const text = originalLines[name];
    if (text !== undefined && cf.get(name) === firstValues[name]) out = replaceDefinition(out, name, text);
  }
  next.main.owned = desired;
  next.main.previous = Object.fromEntries(Object.keys(desired).map((n) => [n, previous[n] ?? null]));
  const keptLines = Object.entries(originalLines).filter(([n]) => n in desired);
  if (keptLines.length) next.main.lines = Object.fromEntries(keptLines);
  return { text: out, drift, touched: [...new Set([...Object.keys(desired), ...dropped])] };
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
  const wantChroot = a.chroot ? 'y' : 'n';
  for (const key of CHROOT_SERVICES) {
    const [service, type] = key.split('/');
    const cf = MasterCf.parse(out);
    const e = cf.get(service, type);
    if (!e) continue;
    const original = next.master.previous[key];
    const current = e.chroot === '-' ? 'n' : e.chroot;
    if (original !== undefined) {
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
    if (original === undefined) {
      const lines = splitPhysicalLines(out);
      const r = entryRange(lines, key);
      if (r) next.master.previous[key] = lines.slice(r.start, r.end).join('');
    }
    out = cf.replaceService(service, type, entryLine({ ...e, chroot: wantChroot })).toString();
    chrootChanged = true;
  }
  if (a.logging === 'file' && !MasterCf.parse(out).get('postlog', 'unix-dgram')) {
    out = MasterCf.parse(out)
      .replaceService('postlog', 'unix-dgram', 'postlog unix-dgram n - n - 1 postlogd')
      .toString();
  }
  return { text: out, chrootChanged };
}

function planAliases(text: string, want: Record<string, string>, state: State, next: State): string {
  const al = Aliases.parse(text);
  const previous: Record<string, string | null> = { ...state.aliases.previous };
  for (const name of Object.keys(want)) if (!(name in previous)) previous[name] = al.get(name) ?? null;
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
    if (spec?.secret && v.endsWith(`:${SECRET_PLACEHOLDER}`) && table.get(k) !== undefined) continue; // keep the stored password
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

/** Compute the plan. Throws only on unreadable input files (the config layer's errors). */
export function plan(input: PlanInput): Plan {
  const { answers: a, host, files, templates } = input;
  const ctx: PlanContext = { host, dbType: host.postfix.defaultDatabaseType || 'hash' };
  const stateText = files[STATE_PATH] ?? null;
  const state = stateText ? parseState(stateText) : emptyState(a);
  // Choices for this run only: later hand edits are kept again unless asked anew, and a clean-up
  // is asked for each time it is wanted.
  const oneShot = new Set(['overwrite-hand-edits', MIGRATE_DEPRECATED, FIX_VALUE_COMMENTS]);
  const next: State = emptyState({ ...a, overrides: a.overrides.filter((o) => !oneShot.has(o)) });
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
  const m = planMain(mainBase, want.main, state, next, handEdits);
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

  // The ledger, last: it records the files created above.
  next.created = [...created].filter((p) => p !== STATE_PATH).sort();
  const configChanged = changes.length > 0;
  if (configChanged || stateText !== null) {
    const stateAfter = serializeState(next);
    if (configChanged || stateAfter !== stateText)
      add(STATE_PATH, stateText, stateAfter, 'what mailsetup owns (its state file)', { mode: 0o644, quiet: true });
  }

  // Parameters, before → after.
  const beforeMain = MainCf.parse(mainBefore ?? '');
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

  // Commands, in order.
  const actions: Action[] = [];
  for (const c of mapChanges)
    if (c.after !== null) actions.push({ kind: 'postmap', map: `${ctx.dbType}:${c.path}`, path: c.path });
  if (changes.some((c) => c.path === ALIASES)) actions.push({ kind: 'newaliases', path: ALIASES });
  const postfixChanged = changes.some((c) => c.path !== STATE_PATH && c.path !== MAILNAME && c.path !== RSYSLOG_DROPIN);
  if (postfixChanged) {
    actions.push({ kind: 'postfix-check' });
    const restartReasons: string[] = [];
    for (const p of ['inet_interfaces', 'inet_protocols']) {
      if (safeExpand(beforeMain, p, defaults) !== safeExpand(finalMain, p, defaults))
        restartReasons.push(`${p} changed (Postfix must stop and start)`);
    }
    if (ms.chrootChanged) restartReasons.push('chroot changed (the chroot files are copied on start)');
    if (mainBefore === null) restartReasons.push('first configuration');
    if (!host.postfix.running) restartReasons.push('Postfix is not running');
    if (restartReasons.length) actions.push({ kind: 'restart', reason: restartReasons.join('; ') });
    else if (changes.some((c) => c.path === MAIN_CF || c.path === MASTER_CF)) actions.push({ kind: 'reload' });
  }
  if (changes.some((c) => c.path === RSYSLOG_DROPIN))
    actions.push({ kind: 'syslog-restart', reason: 'its Postfix socket changed' });

  const findings = lint({
    a,
    host,
    main: (name) => safeExpand(finalMain, name, defaults),
    isSet: (name) => finalMain.has(name),
  });
  for (const d of m.drift) {
    const kept = finalMain.get(d.name) === d.now;
    findings.push({
      id: 'hand-edit',
      level: 'warning',
      message:
        `${d.name} was changed by hand since mailsetup set it (mailsetup: "${d.ours}", ` +
        `now: ${d.now === undefined ? 'removed' : `"${d.now}"`}): ` +
        (kept
          ? "keeping the hand edit (override overwrite-hand-edits to take mailsetup's value)"
          : "taking mailsetup's value"),
    });
  }
  const offers = cleanupFindings(m.text, reported, findings);
  return {
    role: a.role,
    answers: a,
    files: changes,
    actions,
    params,
    findings,
    drift: m.drift,
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
      todo = `mailsetup can ${how} (overrides: [${MIGRATE_DEPRECATED}] in the answers)`;
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
        `move it onto a line of its own above (overrides: [${FIX_VALUE_COMMENTS}] in the answers)`,
    });
  }
  return { migrateDeprecated, fixValueComments: comments.length };
}

function safeExpand(cf: MainCf, name: string, defaults: Record<string, string>): string {
  try {
    return expandParam(cf, name, defaults) ?? '';
  } catch (err) {
    return `(cannot expand: ${(err as Error).message})`;
  }
}
