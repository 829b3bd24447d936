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
import { quoteValue } from '../../model/text.js';
import { AnswersInvalid, resolveAnswers } from '../../roles/resolve.js';
import { ROLES, roleModule } from '../../roles/index.js';
import type { LintContext, LintRule, Resolved } from '../../roles/role.js';
import { daneWithoutResolver } from './daneWithoutResolver.js';
import { nextHopDrops } from './nextHopDrops.js';
import { serviceListens } from './serviceListens.js';
import { transportUnknown } from './transportUnknown.js';
import { domainLocalAndRelay } from './domainLocalAndRelay.js';
import { encryptOnPort25 } from './encryptOnPort25.js';
import { encryptWithoutRelayhost } from './encryptWithoutRelayhost.js';
import { loopbackOnlyServer } from './loopbackOnlyServer.js';
import { mailLoop } from './mailLoop.js';
import { mynetworksForeign } from './mynetworksForeign.js';
import { mynetworksPublic } from './mynetworksPublic.js';
import { mynetworksStyle } from './mynetworksStyle.js';
import { mynetworksWide } from './mynetworksWide.js';
import { relayAcceptAll } from './relayAcceptAll.js';
import { relayRestrictions } from './relayRestrictions.js';
import { tableDropped } from './tableDropped.js';
import { dialup } from './dialup.js';
import { fantasyName } from './fantasyName.js';
import { localUser } from './localUser.js';
import { logrotateMissing } from './logrotate.js';
import { mxLookupPort } from './mxLookupPort.js';
import { mydestinationHostname } from './mydestinationHostname.js';
import { mynetworksStyleIgnored } from './mynetworksStyleIgnored.js';
import { namesResolve } from './namesResolve.js';
import { tableFiles } from './tableFiles.js';

export { loopsToSelf } from './mailLoop.js';

/** The rules every role is checked against, in the order their findings are listed. */
export const COMMON_RULES: readonly LintRule[] = [
  mynetworksPublic,
  mynetworksWide,
  mynetworksForeign,
  mynetworksStyle,
  mynetworksStyleIgnored,
  tableFiles,
  domainLocalAndRelay,
  relayAcceptAll,
  mailLoop,
  relayRestrictions,
  loopbackOnlyServer,
  tableDropped,
  daneWithoutResolver,
  encryptWithoutRelayhost,
  encryptOnPort25,
  transportUnknown,
  nextHopDrops,
  serviceListens,
  mydestinationHostname,
  mxLookupPort,
  namesResolve,
  localUser,
  fantasyName,
  dialup,
  logrotateMissing,
];

/**
 * Overrides that concern the apply, not a rule of the configuration: apply although the live
 * login test at the smart host failed; take mailsetup's values over parameters changed by hand;
 * take mailsetup's TLS settings over those already in main.cf (src/plan/tls.ts); send the stored
 * smart-host password to a relay host other than the one it was stored for.
 */
export const APPLY_OVERRIDES = [
  'smarthost-login',
  'overwrite-hand-edits',
  'replace-tls-settings',
  'smarthost-password-reuse',
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
  return bad === undefined ? null : `${quoteValue(bad)} is not an override (${known.join(', ')})`;
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

/**
 * Run the common rules and the role's own on the configuration after the plan; the rules marked
 * perService also on every master.cf smtpd service whose -o options give it settings of its own
 * (what they find only there is reported with the service's name).
 */
export function lint(ctx: LintContext): Finding[] {
  const overridden = new Set(ctx.a.overrides);
  const out: Finding[] = [];
  const push = (rule: LintRule, message: string) => {
    const override = rule.overridable ? rule.id : undefined;
    if (override !== undefined && overridden.has(override)) {
      // Overridden knowingly: an error is still shown (as a warning), a warning as information.
      const level = rule.level === 'error' ? 'warning' : 'info';
      out.push({ id: rule.id, level, message: `${message} (overridden: ${override})`, override });
    } else out.push({ id: rule.id, level: rule.level, message, ...(override ? { override } : {}) });
  };
  const rules = [...COMMON_RULES, ...roleModule(ctx.a.role).rules];
  for (const rule of rules) {
    const base = rule.check(ctx);
    for (const message of base) push(rule, message);
    if (!rule.perService) continue;
    for (const svc of ctx.services ?? []) {
      if (Object.keys(svc.options).length === 0) continue;
      const own = rule.check({ ...ctx, main: svc.main, isSet: svc.isSet });
      for (const message of own) {
        if (!base.includes(message)) push(rule, `master.cf service ${svc.key}: ${message}`);
      }
    }
  }
  return out;
}
