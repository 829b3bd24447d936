/**
 * What to look up on the machine for these answers (PlanFacts): the tables and pattern files
 * the parameters name, the local users mail is aliased to, the host names of inet_interfaces and
 * proxy_interfaces, the MX hosts of an unbracketed relay host. Pure; src/system/facts.ts asks.
 */
import type { HostFacts } from '../model/host.js';
import type { FactsNeeded } from '../model/plan.js';
import { postfixDefaults } from '../postfix/defaults.js';
import { expand } from '../postfix/expand.js';
import { parseRelayhost } from '../postfix/validate.js';
import { answerParams } from '../roles/params.js';
import type { Resolved } from '../roles/role.js';
import { bareNames } from './lint/localUser.js';
import { interfaceNames } from './lint/namesResolve.js';
import { namedTables, sourcePath } from './tables.js';

/** What the facts for `a` are. */
export function factsNeeded(a: Resolved, host: HostFacts): FactsNeeded {
  const params = answerParams(a, host);
  const defaults = postfixDefaults({ fqdn: host.fqdn });
  const param = (name: string): string => {
    try {
      return expand(params[name] ?? defaults[name] ?? '', (n) => params[n] ?? defaults[n]);
    } catch {
      return '';
    }
  };
  const tables = namedTables(a);
  const files = [...new Set(tables.map((t) => sourcePath(t.ref)).filter((p): p is string => p !== undefined))];
  const databases = [
    ...new Set(tables.map((t) => (t.ref.kind === 'table' ? t.ref.database : undefined)).filter((p) => p !== undefined)),
  ] as string[];
  const need: FactsNeeded = {
    files,
    databases,
    mapTypes: tables.some((t) => t.ref.kind === 'table'),
    users: [...new Set(bareNames(a).map(([, n]) => n))],
    names: [...new Set(interfaceNames(param).map(([, n]) => n))],
  };
  const relayhost = param('relayhost');
  if (relayhost !== '' && !relayhost.startsWith('[')) {
    try {
      const r = parseRelayhost(relayhost);
      if (!/^[0-9.]+$/.test(r.host)) need.relayhostMx = r.host;
    } catch {
      // validation refused it
    }
  }
  return need;
}
