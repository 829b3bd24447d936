/**
 * Answers to reuse on another host (--save-answers, and the wizard's offer at the end): what the
 * user typed or chose, without what a host derives by itself (its name, the domain of that name,
 * its subnets, its IPv6, its logger), so that another host derives its own and this host gets a
 * byte-identical configuration again. A value is saved exactly when it differs from what a fresh
 * host like this one would derive from the values saved before it. Passwords are never saved; the
 * path of a password file is.
 */
import { stringify } from 'yaml';
import type { AnswerKey, Answers, RoleId } from '../model/answers.js';
import type { HostFacts } from '../model/host.js';
import { roleModule } from './index.js';
import { withDefaults } from './resolve.js';

/** An override that holds for one run only: never saved (the state file drops it too). */
const RUN_ONLY_OVERRIDES: readonly string[] = ['overwrite-hand-edits'];

/**
 * Keys whose value other defaults start from, decided first: the domain follows the host name,
 * the trusted networks follow the IP versions, a gateway's inside domain follows the domain.
 */
const FIRST: readonly AnswerKey[] = ['myhostname', 'mydomain', 'inet_protocols'];

export interface SavedAnswers {
  answers: Partial<Answers> & { role: RoleId };
  /** The role's settings left out: each host derives its own. */
  derived: AnswerKey[];
  /** A smart-host password was given directly: it is left out, and the file says how to give it. */
  passwordLeftOut: boolean;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The answers worth saving from the complete answers of a run on `host`. */
export function answersToSave(a: Answers, host: HostFacts): SavedAnswers {
  const mod = roleModule(a.role);
  const saved: Partial<Answers> & { role: RoleId } = { role: a.role };
  const keys = [...FIRST.filter((k) => mod.keys.includes(k)), ...mod.keys.filter((k) => !FIRST.includes(k))];
  const derived: AnswerKey[] = [];
  let passwordLeftOut = false;
  for (const key of keys) {
    if (key === 'smtp_sasl') {
      const s = a.smtp_sasl;
      if (s === undefined) continue;
      saved.smtp_sasl =
        s.password_file !== undefined
          ? { username: s.username, password_file: s.password_file }
          : { username: s.username };
      passwordLeftOut = s.password_file === undefined;
      continue;
    }
    // Not set at all (an optional setting left alone): nothing to save, nothing derived.
    if (a[key] === undefined) continue;
    const fresh = withDefaults(saved, host, {}, null);
    if (same(a[key], fresh[key])) derived.push(key);
    else (saved as Record<string, unknown>)[key] = a[key];
  }
  const overrides = (a.overrides ?? []).filter((o) => !RUN_ONLY_OVERRIDES.includes(o));
  if (overrides.length > 0) saved.overrides = overrides;
  // In the role's order, as the wizard asks them.
  const ordered: Partial<Answers> & { role: RoleId } = { role: a.role };
  for (const key of [...mod.keys, 'overrides' as const]) {
    const v = saved[key];
    if (v !== undefined) (ordered as Record<string, unknown>)[key] = v;
  }
  return { answers: ordered, derived: mod.keys.filter((k) => derived.includes(k)), passwordLeftOut };
}

/**
 * The answers file's text: a header that says where it comes from, how to replay it and what
 * each host derives for itself, then the answers in the wizard's order (deterministic).
 */
export function savedAnswersText(s: SavedAnswers, from: string): string {
  const lines = [
    `# mailsetup answers for the role ${s.answers.role}, saved on ${from}.`,
    '# Replay: mailsetup --answers FILE --yes (or --answers FILE to start the wizard with them).',
  ];
  if (s.derived.length > 0)
    lines.push(
      `# Each host derives the settings not listed here from its own name and addresses: ${s.derived.join(', ')}.`,
    );
  let body = '';
  for (const [key, value] of Object.entries(s.answers)) {
    body += stringify({ [key]: value }, { lineWidth: 0 });
    if (key === 'smtp_sasl' && s.passwordLeftOut)
      body +=
        '  # The password is never saved. Put it in a file only root can read and name it here:\n' +
        '  # password_file: /root/relay-password\n';
  }
  return `${lines.join('\n')}\n${body}`;
}
