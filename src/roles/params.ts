/**
 * `$name` references in answers. Every answer that becomes a main.cf parameter may use them as
 * Postfix allows (`relayhost = [mail.$mydomain]`, `relay_domains = $mydomain`,
 * `mydestination = … www.$mydomain`): the value is written as given, and checked as Postfix
 * will read it, expanded with the parameters these answers write (the role's and the common
 * ones) and Postfix's defaults for the rest. A name that is neither is refused: Postfix would
 * expand it to nothing.
 */
import type { HostFacts } from '../model/host.js';
import { postfixDefaults } from '../postfix/defaults.js';
import { expand, ExpandError } from '../postfix/expand.js';
import { joinList, splitList } from '../postfix/lists.js';
import { ValidationError } from '../postfix/validate.js';
import { roleModule } from './index.js';
import type { Resolved } from './role.js';

/** Whether a value uses `$` expansion. */
export function hasReference(value: string): boolean {
  return value.includes('$');
}

/** The main.cf parameters (raw values) that these answers write: the common ones and the role's. */
export function answerParams(a: Resolved, host: HostFacts): Record<string, string> {
  const params: Record<string, string> = {
    myhostname: a.myhostname,
    mydomain: a.mydomain,
    myorigin: a.myorigin,
    inet_protocols: a.inet_protocols,
    notify_classes: joinList(a.notify_classes ?? []),
  };
  try {
    Object.assign(
      params,
      roleModule(a.role).configure(a, { host, dbType: host.postfix.defaultDatabaseType || 'hash' }).main,
    );
  } catch {
    // Answers that do not configure yet (a value still invalid) expand with the common parameters only.
  }
  return params;
}

/**
 * Expand `value` as Postfix will, with the parameters `a` writes (`key`'s own value being
 * `value`): throws a ValidationError naming the problem (syntax, a loop, an unknown name).
 */
export function expandAnswer(value: string, a: Resolved, host: HostFacts, key?: string, whole = value): string {
  const params = answerParams(a, host);
  const defaults = postfixDefaults({ fqdn: host.fqdn });
  const unknown: string[] = [];
  const lookup = (n: string): string | undefined =>
    n === key ? whole : Object.hasOwn(params, n) ? params[n] : Object.hasOwn(defaults, n) ? defaults[n] : undefined;
  let out: string;
  try {
    out = expand(value, lookup, { self: key, onUndefined: (n) => unknown.push(n) });
  } catch (e) {
    if (e instanceof ExpandError)
      throw new ValidationError(`${JSON.stringify(value)} cannot be expanded: ${e.message}`);
    throw e;
  }
  if (unknown.length > 0) {
    throw new ValidationError(
      `${JSON.stringify(value)} refers to $${unknown[0]}, which this configuration does not set (Postfix would ` +
        'expand it to nothing)',
    );
  }
  return out;
}

/**
 * The items of a list answer as Postfix reads them, each with what it expands to (an item such
 * as $mydestination gives several). `key`'s own value is the whole list (a loop through it is found).
 */
export function expandItems(
  items: readonly string[],
  a: Resolved,
  host: HostFacts,
  key: string,
): Array<{ item: string; values: string[] }> {
  const whole = joinList(items);
  return items.map((item) => ({
    item,
    values: hasReference(item) ? splitList(expandAnswer(item, a, host, key, whole)) : [item],
  }));
}
