/**
 * One run's wiring between the pure core (roles, plan, detect) and the machine (Effects): read
 * the files the planner needs, detect the current role, resolve answers, plan. Used by the
 * non-interactive mode and, as a WizardBackend, by the Ink UI.
 */
import { readFile } from 'node:fs/promises';
import { detect, type Detected } from './plan/detect.js';
import { plan, PLAN_PATHS, type HandEdits, type Templates } from './plan/plan.js';
import type { Plan } from './model/plan.js';
import { roleInfos } from './roles/index.js';
import { questionsFor } from './roles/questions.js';
import { resolveAnswers } from './roles/resolve.js';
import type { Answers, RoleId } from './model/answers.js';
import type { Effects } from './model/effects.js';
import type { HostFacts } from './model/host.js';

export type Files = Record<string, string | null>;

/** Read every file the planner looks at. */
export async function readPlanFiles(fx: Effects): Promise<Files> {
  const entries = await Promise.all(PLAN_PATHS.map(async (p) => [p, await fx.readFile(p)] as const));
  return Object.fromEntries(entries);
}

/**
 * The lines under "Role:" in the wizard's start header: where the current configuration comes
 * from and its main values. The header's own lines show the host, its addresses and the Postfix
 * status (and the probes the map type), so they are not repeated here.
 */
export function describeHost(_host: HostFacts, d: Detected): string[] {
  const lines: string[] = [];
  if (d.role === null) lines.push('No Postfix configuration yet (no main.cf)');
  else if (d.role === 'custom') lines.push('Current configuration: custom (not one of the standard roles)');
  else
    lines.push(
      `Current role: ${d.role}${d.source === 'state' ? ' (set up by mailsetup)' : ' (recognised from main.cf)'}`,
    );
  const a = d.answers;
  for (const k of ['myhostname', 'mydomain', 'relayhost', 'relay_domains', 'mynetworks'] as const) {
    const v = a[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0) || v === '') continue;
    lines.push(`  ${k} = ${Array.isArray(v) ? v.join(', ') : v}`);
  }
  return lines;
}

/** Put the password of `smtp_sasl.password_file` into the answers (the file is read here, not by the planner). */
export async function loadSecrets(answers: Partial<Answers>): Promise<Partial<Answers>> {
  const s = answers.smtp_sasl;
  if (!s?.password_file) return answers;
  let text: string;
  try {
    text = await readFile(s.password_file, 'utf8');
  } catch (err) {
    throw new Error(
      `smtp_sasl.password_file: cannot read ${s.password_file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const password = text.split('\n')[0].replace(/\r$/, '');
  if (password === '') throw new Error(`smtp_sasl.password_file: ${s.password_file} is empty`);
  return { ...answers, smtp_sasl: { ...s, password } };
}

export class Session {
  constructor(
    readonly fx: Effects,
    readonly host: HostFacts,
    readonly files: Files,
    readonly templates: Templates,
    readonly detected: Detected = detect(files),
  ) {}

  static async open(fx: Effects, host: HostFacts, templates: Templates): Promise<Session> {
    return new Session(fx, host, await readPlanFiles(fx), templates);
  }

  roles() {
    return roleInfos();
  }

  questions(role: RoleId, current: Partial<Answers>) {
    return questionsFor(role, this.host, current, this.detected.role);
  }

  /** Resolve (defaults + validation; throws AnswersInvalid) and plan. */
  plan(given: Partial<Answers> & { role: RoleId }, handEdits?: HandEdits): Plan {
    const answers = resolveAnswers(given, this.host, this.detected.answers, this.detected.role);
    return plan({ answers, host: this.host, files: this.files, templates: this.templates, handEdits });
  }
}
