/**
 * The --json document: one JSON object per run, for Ansible and other programs. Its shape is
 * version 1 of schema/mailsetup-output.schema.json (README, "Machine-readable output"): every
 * key is always present (null or [] when it does not apply), so a consumer never guesses. A
 * change that removes or renames a key, or changes a value's meaning, is a new version; new keys
 * may be added within a version.
 *
 * This file turns the run's data (a Plan, step events, an apply's result) into the document's
 * parts. Secrets never appear: a secret file has no diff and no content, and the finished
 * document is scrubbed of the password as a last guard (src/commands/json.ts).
 */
import type { CommandRun, StepEvent, StepStatus } from '../model/events.js';
import type { Action, Drift, FileChange, Finding, ParamChange, Plan } from '../model/plan.js';
import { describeAction } from '../model/plan.js';
import type { TlsSummary } from '../model/tls.js';
import { fileDiff } from './preview.js';

/** The document's version: its `version` key. */
export const JSON_VERSION = 1;

/** What the run was asked to do. */
export type JsonMode = 'apply' | 'rollback' | 'verify';

/** One file the run changes (or, with --dry-run, would change). */
export interface JsonFile {
  /** System path (/etc/postfix/main.cf), also under --root. */
  path: string;
  /** What the file is for. */
  description: string;
  /** created: absent before; removed: absent after; changed: both exist. */
  change: 'created' | 'changed' | 'removed';
  /** Permission bits of a created file, as four octal digits ("0644"); null otherwise. */
  mode: string | null;
  /** Holds a secret (the smart-host password): diff, before and after are null. */
  secret: boolean;
  /** mailsetup's own record (the state file). */
  bookkeeping: boolean;
  /** The unified diff (`--- path` / `+++ path` headers, hunks with 3 lines of context); null for a secret file. */
  diff: string | null;
  /** The whole text before; null when absent or secret. */
  before: string | null;
  /** The whole text after; null when removed or secret. */
  after: string | null;
}

/** A main.cf parameter whose value changes. */
export interface JsonParam {
  name: string;
  /** The raw value in main.cf before; null = not set (Postfix's default applies). */
  old: string | null;
  new: string | null;
  /** The value with $names expanded, as Postfix reads it (the default when unset). */
  oldExpanded: string;
  newExpanded: string;
}

/** A parameter mailsetup set before and someone changed by hand since. */
export interface JsonDrift {
  name: string;
  /** What mailsetup wrote last time. */
  ours: string;
  /** What main.cf says now; null = removed. */
  now: string | null;
}

export interface JsonFinding {
  id: string;
  level: 'error' | 'warning' | 'info';
  message: string;
  /** The id to list in `overrides:` to apply despite this error; null when it cannot be overridden. */
  override: string | null;
}

/** What TLS each direction gets after the plan: the preview's TLS section, as data. */
export interface JsonTls {
  /** "opportunistic (may): …", "DANE (dane): …", "mandatory (encrypt) to the smart host …". */
  outbound: string;
  /** "STARTTLS offered (may) on port 25 …", or why none. */
  inbound: string;
  /** The certificate's lines (source, files, subject, names, expiry); [] when none is used. */
  certificate: string[];
  /** TLS settings already in main.cf that stay as the user's. */
  kept: Array<{ name: string; value: string }>;
  /** Further lines: the certbot hook, the snakeoil to create, a Let's Encrypt certificate not used. */
  notes: string[];
}

/** One command of the plan (what the preview lists under "Commands to run"). */
export interface JsonCommand {
  /** The step id in `steps` (action:postmap:/etc/postfix/transport). */
  id: string;
  command: string;
  reason: string;
  /** planned: --dry-run; not-run: the apply stopped before it; else the step's outcome. */
  status: 'planned' | 'not-run' | Exclude<StepStatus, 'running'>;
  /** The outcome in one line (or why it failed or was skipped); null when none. */
  detail: string | null;
  /** The commands it ran, with their results. */
  runs: CommandRun[];
}

/** One step of the run (an apply's, a rollback's), or one check of --verify, as it ended. */
export interface JsonStep {
  id: string;
  label: string;
  status: StepStatus;
  detail: string | null;
  /** Log or command lines that explain a failure. */
  explain: string[];
  /** The commands the step ran, with their results. */
  runs: CommandRun[];
}

/** The rollback a --rollback run did (or, with --dry-run, would do). */
export interface JsonRollback {
  /** The backup directory whose files are restored (real path: inside the sandbox under --root). */
  backupDir: string;
  /** When that apply made the backup (ISO 8601). */
  created: string;
  /** recover: an apply that never finished; apply: a finished apply. */
  kind: 'recover' | 'apply';
}

export interface JsonError {
  message: string;
  /** Lines that go with it: each invalid answer, a server's transcript. */
  details: string[];
}

/** The whole document (version 1). */
export interface JsonDocument {
  version: typeof JSON_VERSION;
  /** mailsetup's version. */
  mailsetup: string;
  /** null when the command line itself was refused. */
  mode: JsonMode | null;
  /** --dry-run: nothing was written. */
  dryRun: boolean;
  /** '/' or the --root sandbox (absolute); null when the command line was refused. */
  root: string | null;
  /** The exit code of the run (also the process's). */
  exitCode: number;
  /** The run did what it was asked (--dry-run --check's exit 1 for "would change" is still ok). */
  ok: boolean;
  /** Something changed; with --dry-run: the run without it would change something. */
  changed: boolean;
  /** The role configured before the run (a role id, "custom", or null: no main.cf) and after it. */
  role: { before: string | null; after: string | null };
  files: JsonFile[];
  params: JsonParam[];
  drift: JsonDrift[];
  findings: JsonFinding[];
  /** What TLS each direction gets after the plan; null when there is no plan (--verify, --rollback, a refusal before it). */
  tls: JsonTls | null;
  commands: JsonCommand[];
  steps: JsonStep[];
  /** --verify: each check. */
  checks: JsonStep[];
  /** --rollback: which apply is undone; null when nothing is (or for the other modes). */
  rollback: JsonRollback | null;
  /** The backup of this apply (real path), or the one a rollback restored; null when none. */
  backupDir: string | null;
  warnings: string[];
  /** Why the run stopped; null when it did not. */
  error: JsonError | null;
}

/** A document with nothing in it yet. */
export function emptyDocument(
  version: string,
  mode: JsonMode | null,
  dryRun: boolean,
  root: string | null,
): JsonDocument {
  return {
    version: JSON_VERSION,
    mailsetup: version,
    mode,
    dryRun,
    root,
    exitCode: 0,
    ok: true,
    changed: false,
    role: { before: null, after: null },
    files: [],
    params: [],
    drift: [],
    findings: [],
    tls: null,
    commands: [],
    steps: [],
    checks: [],
    rollback: null,
    backupDir: null,
    warnings: [],
    error: null,
  };
}

/** The document of a run that ended with an error before anything else was known. */
export function errorDocument(
  version: string,
  exitCode: number,
  message: string,
  details: string[] = [],
): JsonDocument {
  return { ...emptyDocument(version, null, false, null), exitCode, ok: false, error: { message, details } };
}

function changeOf(c: FileChange): JsonFile['change'] {
  if (c.before === null) return 'created';
  if (c.after === null) return 'removed';
  return 'changed';
}

/** A file change as the document shows it. */
export function fileJson(c: FileChange): JsonFile {
  const secret = c.secret === true;
  return {
    path: c.path,
    description: c.description,
    change: changeOf(c),
    mode: c.before === null && c.mode !== undefined ? c.mode.toString(8).padStart(4, '0') : null,
    secret,
    bookkeeping: c.quiet === true,
    // fileDiff() hides a secret file's contents; the document leaves the diff out altogether.
    diff: secret ? null : fileDiff({ ...c, quiet: false }),
    before: secret ? null : c.before,
    after: secret ? null : c.after,
  };
}

export function paramJson(p: ParamChange): JsonParam {
  return {
    name: p.name,
    old: p.before ?? null,
    new: p.after ?? null,
    oldExpanded: p.beforeExpanded,
    newExpanded: p.afterExpanded,
  };
}

export function driftJson(d: Drift): JsonDrift {
  return { name: d.name, ours: d.ours, now: d.now ?? null };
}

export function findingJson(f: Finding): JsonFinding {
  return { id: f.id, level: f.level, message: f.message, override: f.override ?? null };
}

export function tlsJson(t: TlsSummary): JsonTls {
  return {
    outbound: t.outbound,
    inbound: t.inbound,
    certificate: [...t.certificate],
    kept: t.kept.map(({ name, value }) => ({ name, value })),
    notes: [...t.notes],
  };
}

export function stepJson(e: StepEvent): JsonStep {
  return {
    id: e.id,
    label: e.label,
    status: e.status,
    detail: e.detail ?? null,
    explain: e.explain ?? [],
    runs: e.commands ?? [],
  };
}

/**
 * The plan's commands with how each ended: `steps` are the run's steps (empty for --dry-run,
 * where every command is planned); a command whose step never ran is not-run.
 */
export function commandsJson(actions: readonly Action[], steps: readonly JsonStep[] | null): JsonCommand[] {
  return actions.map((a) => {
    const { stepId, command, reason } = describeAction(a);
    if (steps === null) return { id: stepId, command, reason, status: 'planned', detail: null, runs: [] };
    const s = steps.find((x) => x.id === stepId);
    if (!s || s.status === 'running') {
      return { id: stepId, command, reason, status: 'not-run', detail: s?.detail ?? null, runs: s?.runs ?? [] };
    }
    return { id: stepId, command, reason, status: s.status, detail: s.detail, runs: s.runs };
  });
}

/** The parts of the document a plan fills: files, parameters, hand edits, findings, TLS, its commands. */
export function planParts(
  plan: Plan,
): Pick<JsonDocument, 'files' | 'params' | 'drift' | 'findings' | 'tls'> & { actions: readonly Action[] } {
  return {
    files: plan.files.map(fileJson),
    params: plan.params.map(paramJson),
    drift: plan.drift.map(driftJson),
    findings: plan.findings.map(findingJson),
    tls: plan.tls ? tlsJson(plan.tls) : null,
    actions: plan.actions,
  };
}

/**
 * Every string in `doc` with each of `secrets` replaced by ********: the last guard that keeps a
 * password out of the document, whatever a command or a server echoed.
 */
export function scrubDocument(doc: JsonDocument, secrets: readonly string[]): JsonDocument {
  const forms = secrets.filter((s) => s.length > 0);
  if (forms.length === 0) return doc;
  const scrub = (v: unknown): unknown => {
    if (typeof v === 'string') {
      let out = v;
      for (const f of forms) out = out.split(f).join('********');
      return out;
    }
    if (Array.isArray(v)) return v.map(scrub);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
    }
    return v;
  };
  return scrub(doc) as JsonDocument;
}
