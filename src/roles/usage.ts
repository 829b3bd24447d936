/**
 * Which answers a role uses. An answer the chosen role does not use would be dropped without a
 * word (a `transport` for a mail server, `inet_interfaces` for a null client): the answers file is
 * refused for it, or, when --role overrides the file's role, each such key is a warning and is
 * left out. The state file records only the answers the role used.
 */
import type { AnswerKey, Answers, RoleId } from '../model/answers.js';
import { ROLE_IDS, roleModule } from './index.js';

/** The keys `role` uses: the questions it asks, the answers it applies without asking, and overrides. */
export function usedKeys(role: RoleId): AnswerKey[] {
  const m = roleModule(role);
  return [...new Set<AnswerKey>([...m.keys, ...(m.alsoApplies ?? []), 'overrides'])];
}

/** The keys of `given` (with a value) that `role` does not use, in the answers' order. */
export function unusedAnswers(given: Partial<Answers>, role: RoleId): AnswerKey[] {
  const used = new Set<string>(usedKeys(role));
  return (Object.keys(given) as Array<keyof Answers>).filter(
    (k): k is AnswerKey => k !== 'role' && given[k] !== undefined && !used.has(k),
  );
}

/** `answers` without the keys `role` does not use. */
export function usedAnswersOnly<T extends Partial<Answers>>(answers: T, role: RoleId): T {
  const out = { ...answers };
  for (const k of unusedAnswers(answers, role)) delete out[k];
  return out;
}

/** The roles that use `key`. */
export function rolesUsing(key: AnswerKey): RoleId[] {
  return ROLE_IDS.filter((r) => usedKeys(r).includes(key));
}

/**
 * Why `role` does not take `key`: the role's own reason from the documents where it has one, else
 * "the mail-server role does not use it (backup-mx and firewall-relay do)".
 */
export function unusedReason(key: AnswerKey, role: RoleId): string {
  const own = roleModule(role).declines?.[key];
  if (own !== undefined) return own;
  const others = rolesUsing(key);
  const who =
    others.length === 0
      ? ''
      : ` (${others.length === 1 ? `${others[0]} does` : `${others.slice(0, -1).join(', ')} and ${others[others.length - 1]} do`})`;
  return `the ${role} role does not use it${who}`;
}
