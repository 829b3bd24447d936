import { cite, DOCS } from '../../roles/docs.js';
import type { LintRule } from '../../roles/role.js';

/** The bare local names mail is aliased to: the postmaster answer and the targets of the answered aliases. */
function bareNames(a: { postmaster: string; aliases?: Record<string, string> }): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (a.postmaster !== '' && !a.postmaster.includes('@')) out.push(['postmaster', a.postmaster]);
  for (const [name, targets] of Object.entries(a.aliases ?? {})) {
    for (const t of targets.split(',').map((x) => x.trim()))
      if (t !== '' && !t.includes('@')) out.push([`aliases ${name}`, t]);
  }
  return out;
}

/**
 * A local name that mail for postmaster, root or an alias goes to must be a user of this host
 * (getent passwd) or another alias: else the mail bounces, and reports to postmaster with it.
 */
export const localUser: LintRule = {
  id: 'local-user-unknown',
  level: 'error',
  overridable: true,
  summary: 'mail aliased to a local name that is neither a user of this host nor an alias',
  check({ a, facts, aliases }) {
    const out: string[] = [];
    for (const [where, name] of bareNames(a)) {
      if (facts.users[name] !== false || aliases.get(name) !== undefined) continue;
      out.push(
        `${where}: "${name}" is neither a user of this host (getent passwd) nor an alias: its mail would bounce` +
          `; create the user first, or give an address${cite(DOCS.postmasterPerson)}`,
      );
    }
    return out;
  },
};

export { bareNames };
