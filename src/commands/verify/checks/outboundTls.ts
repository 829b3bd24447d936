/**
 * Check: what TLS mail leaving this host gets, from the running configuration: a level that
 * encrypts (may, dane, encrypt), DNSSEC lookups and a validating resolver behind dane, the CA
 * store it names, and the tlsmgr service in master.cf (TLS session cache, random numbers).
 * A configuration check: it runs whether Postfix runs or not.
 */
import type { Effects } from '../../../model/effects.js';
import type { HostFacts } from '../../../model/host.js';
import { MasterCf } from '../../../postfix/masterCf.js';
import { daneAvailable } from '../../../roles/tls.js';
import type { StepOutcomeReport } from '../../../system/runner.js';
import type { VerifyContext } from '../context.js';

export const OUTBOUND_TLS_LABEL = 'Outbound TLS';

/** The level the smtp client uses: smtp_tls_security_level, else the obsolete smtp_use_tls. */
export function outboundLevel(params: Readonly<Record<string, string>>): string {
  const level = (params.smtp_tls_security_level ?? '').trim();
  if (level) return level;
  if (params.smtp_enforce_tls === 'yes') return 'encrypt';
  return params.smtp_use_tls === 'yes' ? 'may' : 'none';
}

export async function checkOutboundTls(
  ctx: Pick<VerifyContext, 'fx' | 'params'> & { host: HostFacts },
  masterText: string | null,
): Promise<StepOutcomeReport> {
  const p = ctx.params;
  const level = outboundLevel(p);
  const problems: string[] = [];
  if (level === 'none') problems.push('smtp_tls_security_level is empty: mail leaves in clear text (set may)');
  if (level === 'dane' || level === 'dane-only') {
    if (p.smtp_dns_support_level !== 'dnssec')
      problems.push(`${level} needs smtp_dns_support_level = dnssec (it is "${p.smtp_dns_support_level ?? ''}")`);
    if (!daneAvailable(ctx.host))
      problems.push(`${level} without a validating resolver: ${ctx.host.tls?.resolver.detail ?? 'none detected'}`);
  }
  const ca = (p.smtp_tls_CAfile ?? '').trim();
  // The CA store is the machine's: a --root sandbox need not have one.
  if (ca && ctx.fx.live && (await statOrNull(ctx.fx, ca)) === null)
    problems.push(`smtp_tls_CAfile ${ca} does not exist (install ca-certificates)`);
  let tlsmgr = true;
  if (masterText !== null) {
    try {
      tlsmgr = MasterCf.parse(masterText).get('tlsmgr', 'unix') !== undefined;
    } catch {
      tlsmgr = true; // postfix check reports an unreadable master.cf
    }
  }
  if (!tlsmgr) problems.push('master.cf has no tlsmgr service: Postfix has no TLS session cache');
  const store = ca || (p.smtp_tls_CApath ?? '').trim();
  const detail =
    `smtp_tls_security_level = ${level}` +
    (level === 'dane' ? ` (DNSSEC: ${ctx.host.tls?.resolver.detail ?? 'resolver not probed'})` : '') +
    (store ? `; CA store ${store}` : '; no CA store named (peers cannot be verified)');
  if (problems.length) return { status: 'failed', detail: problems[0], explain: [detail, ...problems.slice(1)] };
  return { status: 'ok', detail };
}

async function statOrNull(fx: Effects, path: string) {
  try {
    return await fx.stat(path);
  } catch {
    return null;
  }
}
