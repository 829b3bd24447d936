/**
 * The safety linter: each rule a small unit (one file here per common rule; a role's own rules
 * live with the role in src/roles/), run on the configuration a plan would leave (main.cf after
 * the edits, expanded). Errors stop the apply unless the answers list the rule's override id,
 * which is the rule's id. The failures behind the rules are in reference/anchors.md (d): open
 * relays via mynetworks, "mail for X loops back to myself", backscatter from relay domains
 * without recipient lists.
 */
import type { Answers, RoleId } from '../../model/answers.js';
import type { HostFacts } from '../../model/host.js';
import type { Finding } from '../../model/plan.js';
import { AnswersInvalid, resolveAnswers } from '../../roles/resolve.js';
import { ROLES, roleModule } from '../../roles/index.js';
import type { LintContext, LintRule, Resolved } from '../../roles/role.js';
import { domainLocalAndRelay } from './domainLocalAndRelay.js';
import { loopbackOnlyServer } from './loopbackOnlyServer.js';
import { mailLoop } from './mailLoop.js';
import { mynetworksForeign } from './mynetworksForeign.js';
import { mynetworksPublic } from './mynetworksPublic.js';
import { mynetworksStyle } from './mynetworksStyle.js';
import { mynetworksWide } from './mynetworksWide.js';
import { relayAcceptAll } from './relayAcceptAll.js';
import { relayRestrictions } from './relayRestrictions.js';

export { loopsToSelf } from './mailLoop.js';

/** The rules every role is checked against, in the order their findings are listed. */
export const COMMON_RULES: readonly LintRule[] = [
  mynetworksPublic,
  mynetworksWide,
  mynetworksForeign,
  mynetworksStyle,
  domainLocalAndRelay,
  relayAcceptAll,
  mailLoop,
  relayRestrictions,
  loopbackOnlyServer,
];

/**
 * Overrides that concern the apply, not a rule of the configuration: apply although the live
 * login test at the smart host failed; take mailsetup's values over parameters changed by hand;
 * migrate the deprecated parameters (Postfix 3.9+); move `# comments` out of values.
 */
export const APPLY_OVERRIDES = [
  'smarthost-login',
  'overwrite-hand-edits',
  'migrate-deprecated',
  'fix-value-comments',
] as const;

/** Every rule: the common ones, then each role's own. */
export function allRules(): LintRule[] {
  return [...COMMON_RULES, ...Object.values(ROLES).flatMap((r) => r.rules)];
}

/** Every id the answers' `overrides:` may list: the overridable rules' ids, then the apply overrides. */
export function overrideIds(): string[] {
  const ids = allRules()
    .filter((r) => r.overridable)
    .map((r) => r.id);
  return [...new Set([...ids, ...APPLY_OVERRIDES])];
}

/** The problem with an `overrides:` list, or null when every id is known. */
export function checkOverrides(ids: readonly string[]): string | null {
  const known = overrideIds();
  const bad = ids.find((o) => !known.includes(o));
  return bad === undefined ? null : `"${bad}" is not an override (${known.join(', ')})`;
}

/**
 * Complete and validate answers for planning: resolveAnswers (src/roles/resolve.ts), and the
 * `overrides:` ids checked against the rules. Throws AnswersInvalid listing every problem.
 */
export function resolveForPlan(
  given: Partial<Answers> & { role: RoleId },
  host: HostFacts,
  current: Partial<Answers> = {},
  currentRole: RoleId | 'custom' | null = null,
): Resolved {
  const answers = resolveAnswers(given, host, current, currentRole);
  const bad = checkOverrides(answers.overrides);
  if (bad !== null) throw new AnswersInvalid([{ key: 'overrides', message: bad }]);
  return answers;
}

/** Run the common rules and the role's own on the configuration after the plan. */
export function lint(ctx: LintContext): Finding[] {
  const overridden = new Set(ctx.a.overrides);
  const out: Finding[] = [];
  for (const rule of [...COMMON_RULES, ...roleModule(ctx.a.role).rules]) {
    for (const message of rule.check(ctx)) {
      const override = rule.overridable ? rule.id : undefined;
      if (rule.level === 'error' && override !== undefined && overridden.has(override)) {
        out.push({ id: rule.id, level: 'warning', message: `${message} (overridden: ${override})`, override });
      } else out.push({ id: rule.id, level: rule.level, message, ...(override ? { override } : {}) });
    }
  }
  return out;
}
