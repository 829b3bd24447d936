/**
 * Hand edits as the wizard sees them: which parameters mailsetup set were changed by hand since
 * (read from the state file and main.cf), the question that asks for each, and the user's choice.
 * A hand edit stays the user's: the question offers it as the current value ("changed by hand"),
 * and only an answer that takes mailsetup's recorded value back makes it mailsetup's again.
 */
import type { AnswerKey, AnswerValue, Answers, RoleId } from '../model/answers.js';
import type { HandEdit } from '../model/plan.js';
import { splitList } from '../postfix/lists.js';
import { MainCf } from '../postfix/mainCf.js';
import { isRoleId } from '../roles/index.js';
import { validateAnswer } from '../roles/resolve.js';
import { usedKeys } from '../roles/usage.js';
import type { HandEdits } from './plan.js';
import type { State } from './state.js';

/** Questions whose answer is the main.cf parameter of the same name, and how the value reads. */
const PARAM_KEYS: Readonly<Partial<Record<AnswerKey, 'text' | 'list'>>> = {
  myhostname: 'text',
  mydomain: 'text',
  myorigin: 'text',
  relayhost: 'text',
  inet_interfaces: 'text',
  inet_protocols: 'text',
  mydestination: 'list',
  mynetworks: 'list',
  mynetworks_style: 'text',
  fallback_relay: 'list',
  defer_transports: 'list',
  smtp_dns_support_level: 'text',
  relay_domains: 'list',
  proxy_interfaces: 'list',
  notify_classes: 'list',
  // TLS: what mailsetup set (a level, the certificate it found) is owned like any other value.
  smtp_tls_security_level: 'text',
  smtpd_tls_security_level: 'text',
  smtpd_tls_chain_files: 'list',
  smtpd_tls_cert_file: 'text',
  smtpd_tls_key_file: 'text',
};

/** A parameter value as the answer of `key` for `role`, when it is a valid one. */
function asAnswer(key: AnswerKey, value: string | undefined, role: RoleId): AnswerValue | undefined {
  if (value === undefined) return undefined;
  const raw = PARAM_KEYS[key] === 'list' ? splitList(value) : value;
  const r = validateAnswer(key, raw, role);
  return 'error' in r ? undefined : r.value;
}

/** The parameters of `state` that main.cf no longer has as mailsetup set them. */
export function findHandEdits(state: State, mainText: string): HandEdit[] {
  let cf: MainCf;
  try {
    cf = MainCf.parse(mainText);
  } catch {
    return [];
  }
  const role = state.answers.role;
  const keys = isRoleId(role) ? usedKeys(role) : [];
  const out: HandEdit[] = [];
  for (const [name, ours] of Object.entries(state.main.owned)) {
    const now = cf.get(name);
    if (now === ours) continue;
    const edit: HandEdit = { name, ours, now };
    const key = name as AnswerKey;
    if (PARAM_KEYS[key] !== undefined && keys.includes(key)) {
      edit.key = key;
      const oursAnswer = asAnswer(key, ours, role);
      const nowAnswer = asAnswer(key, now, role);
      if (oursAnswer !== undefined) edit.oursAnswer = oursAnswer;
      if (nowAnswer !== undefined) edit.nowAnswer = nowAnswer;
    }
    out.push(edit);
  }
  return out;
}

/** The current answers with each hand edit that a question asks for in place of mailsetup's value. */
export function withHandEdits(answers: Partial<Answers>, edits: readonly HandEdit[]): Partial<Answers> {
  const out: Record<string, unknown> = { ...answers };
  for (const e of edits) if (e.key !== undefined && e.nowAnswer !== undefined) out[e.key] = e.nowAnswer;
  return out as Partial<Answers>;
}

function same(a: AnswerValue, b: AnswerValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The user's choice for each hand edit, from the wizard's answers: a question that offered the
 * hand edit as its default and was answered with mailsetup's recorded value takes mailsetup's
 * value back ('ours'); every other hand edit is kept (the planner's default).
 */
export function handEditChoices(
  answers: Partial<Answers> & { role: RoleId },
  edits: readonly HandEdit[],
): Record<string, HandEdits> {
  const out: Record<string, HandEdits> = {};
  for (const e of edits) {
    if (e.key === undefined || e.nowAnswer === undefined || e.oursAnswer === undefined) continue;
    if (same(e.nowAnswer, e.oursAnswer)) continue;
    const given = answers[e.key];
    if (given === undefined) continue;
    const r = validateAnswer(e.key, given, answers.role);
    if (!('error' in r) && same(r.value, e.oursAnswer)) out[e.name] = 'ours';
  }
  return out;
}

/** One line on a hand edit: "mynetworks = 10.0.0.0/8 (changed by hand; mailsetup set 127.0.0.0/8)". */
export function handEditLine(e: HandEdit): string {
  const now = e.now === undefined ? '(removed)' : e.now === '' ? '(empty)' : e.now;
  return `${e.name} = ${now} (changed by hand; mailsetup set ${e.ours === '' ? '(empty)' : e.ours})`;
}
