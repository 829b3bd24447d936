/**
 * Check: the smtp service offers STARTTLS and completes a TLS handshake; the report names the
 * protocol, the cipher and the certificate the host presents (subject, issuer, names, expiry).
 * An expired certificate fails; one within 14 days of its end passes with a warning to renew.
 * A role that receives no mail (a null client) has no inbound TLS: skipped.
 */
import type { RoleId } from '../../../model/answers.js';
import { EXPIRY_WARNING_DAYS, nameCovers } from '../../../model/tls.js';
import { showEndpoint } from '../../../postfix/network.js';
import { isRoleId, roleModule } from '../../../roles/index.js';
import type { StepOutcomeReport } from '../../../system/runner.js';
import type { Target, VerifyContext } from '../context.js';
import { problemsIn } from '../log.js';

export const STARTTLS_LABEL = 'STARTTLS on port 25';

const DAY_MS = 86_400_000;

/** Whether inbound STARTTLS is expected: a role that receives mail, or smtpd TLS configured. */
export function inboundTlsExpected(params: Readonly<Record<string, string>>, role: RoleId | null): boolean {
  if (role !== null && isRoleId(role) && !roleModule(role).receivesMail) return false;
  const level = (params.smtpd_tls_security_level ?? '').trim();
  if (level === 'none') return false;
  return role !== null || level !== '' || params.smtpd_use_tls === 'yes';
}

export async function checkStarttls(
  ctx: Pick<VerifyContext, 'fx' | 'params' | 'log'>,
  target: Target | null,
  role: RoleId | null,
  now: Date = new Date(),
): Promise<StepOutcomeReport> {
  if (role !== null && isRoleId(role) && !roleModule(role).receivesMail)
    return {
      status: 'skipped',
      detail: `a ${roleModule(role).info.title.toLowerCase()} receives no mail: no inbound TLS`,
    };
  if (!inboundTlsExpected(ctx.params, role))
    return {
      status: 'skipped',
      detail: `smtpd_tls_security_level = ${ctx.params.smtpd_tls_security_level || '(empty)'}`,
    };
  if (!target) return { status: 'skipped', detail: 'no smtp listener to probe' };
  const where = showEndpoint(target.host, target.port);
  const probe = ctx.fx.starttlsProbe;
  if (!probe) return { status: 'skipped', detail: 'this system layer cannot make a TLS handshake' };
  let r;
  try {
    r = await probe.call(ctx.fx, {
      host: target.host,
      port: target.port,
      ehloName: 'verify.mailsetup.invalid',
      timeoutMs: 15_000,
    });
  } catch (e) {
    return {
      status: 'failed',
      detail: `${where}: ${(e as Error).message}`,
      explain: problemsIn(await ctx.log.lines()),
    };
  }
  const level = ctx.params.smtpd_tls_security_level || '(empty)';
  if (!r.offered)
    return {
      status: 'failed',
      detail: `${where} does not offer STARTTLS (smtpd_tls_security_level = ${level})`,
      explain: [...r.transcript.slice(-4), ...problemsIn(await ctx.log.lines())],
    };
  if (!r.protocol)
    return {
      status: 'failed',
      detail: `${where} offers STARTTLS but answered it with: ${r.reply ?? '(nothing)'}`,
      explain: problemsIn(await ctx.log.lines()),
    };
  const c = r.certificate;
  if (!c) return { status: 'failed', detail: `${where}: ${r.protocol} ${r.cipher ?? ''}, but no certificate` };
  const days = Math.floor((Date.parse(c.notAfter) - now.getTime()) / DAY_MS);
  const names = c.names.join(', ') || '(no names)';
  const detail =
    `${where}: ${r.protocol} ${r.cipher ?? ''}; certificate ${c.subject}` +
    `${c.selfSigned ? ' (self-signed)' : `, issued by ${c.issuer}`}; expires ${c.notAfter.slice(0, 10)}`;
  const notes: string[] = [`names: ${names}`, `SHA-256 ${c.sha256}`];
  const host = ctx.params.myhostname ?? '';
  if (host && !c.names.some((n) => nameCovers(n, host)))
    notes.push(`its names do not cover myhostname ${host}: senders that check names will not trust it`);
  if (days < 0) return { status: 'failed', detail: `${detail}: EXPIRED ${-days} days ago`, explain: notes };
  if (days < EXPIRY_WARNING_DAYS)
    return { status: 'ok', detail: `${detail} (in ${days} days: renew it)`, explain: notes };
  return { status: 'ok', detail: `${detail} (in ${days} days)`, explain: notes };
}
