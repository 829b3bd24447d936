/**
 * Answer values in and out of the question widgets: how a default is shown, how a list or a map
 * becomes editable entries and back, and what counts as an empty answer.
 */
import type { AnswerValue, Question, SaslAnswers } from '../model/answers.js';

/** True for a string array. */
export function isStringList(v: AnswerValue): v is string[] {
  return Array.isArray(v);
}

/** True for a domain → next-hop map (a plain object that is not SASL credentials). */
export function isStringMap(v: AnswerValue): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !('username' in v);
}

/** True for SASL credentials. */
export function isSasl(v: AnswerValue): v is SaslAnswers {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'username' in v;
}

/** True when the question asks for SASL credentials (user name, then a masked password). */
export function isSaslQuestion(q: Question): boolean {
  return q.key === 'smtp_sasl';
}

/** True for an empty answer: undefined, "", [] or {}. */
export function isEmptyValue(v: AnswerValue): boolean {
  if (v === undefined) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return isSasl(v) ? v.username === '' : Object.keys(v).length === 0;
  return false;
}

/** A value as the "default:" line shows it; secrets are never shown. */
export function formatValue(q: Question, v: AnswerValue): string {
  if (v === undefined) return '(none)';
  if (q.kind === 'secret') {
    if (isSasl(v)) return v.username === '' ? '(none)' : `${v.username} (password hidden)`;
    return v === '' ? '(none)' : '(hidden)';
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') {
    if (q.kind === 'choice') return q.choices?.find((c) => c.value === v)?.label ?? v;
    return v === '' ? '(empty)' : v;
  }
  if (Array.isArray(v)) return v.length === 0 ? '(empty list)' : v.join(', ');
  if (isStringMap(v)) {
    const e = Object.entries(v);
    return e.length === 0 ? '(empty)' : e.map(([k, x]) => `${k} → ${x}`).join(', ');
  }
  return '(set)';
}

/** A list or map value as editable text entries ("key value" for a map). */
export function toEntries(v: AnswerValue): string[] {
  if (isStringList(v)) return [...v];
  if (isStringMap(v)) return Object.entries(v).map(([k, x]) => `${k} ${x}`);
  return [];
}

/** Entries back to a map; an entry without a value is refused with the exact reason. */
export function entriesToMap(entries: string[]): { value: Record<string, string> } | { error: string } {
  const value: Record<string, string> = {};
  for (const entry of entries) {
    const m = /^(\S+)\s+(\S.*)$/.exec(entry.trim());
    if (m === null) return { error: `"${entry}" needs a key and a value separated by a space` };
    if (Object.hasOwn(value, m[1])) return { error: `"${m[1]}" appears twice` };
    value[m[1]] = m[2].trim();
  }
  return { value };
}
