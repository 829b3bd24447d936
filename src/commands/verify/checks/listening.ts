/**
 * Check: the smtp service listens where the role wants it (the kernel's LISTEN sockets on its
 * port): a null client on loopback only, the other roles beyond loopback. With an address
 * given for the instance (tests), that address must listen instead. Also picks the address
 * the SMTP checks talk to.
 */
import type { RoleId } from '../../../model/answers.js';
import { isRoleId, roleModule } from '../../../roles/index.js';
import { MasterCf } from '../../../postfix/masterCf.js';
import { parseEndpoint, showEndpoint } from '../../../postfix/network.js';
import { smtpPortFromMasterCf } from '../../../system/hostFacts.js';
import type { StepOutcomeReport } from '../../../system/runner.js';
import type { Target, VerifyContext } from '../context.js';

export const LISTENING_LABEL = 'Listening addresses';

/** The smtp service's port and pinned host (when master.cf names HOST:PORT); null when there is none. */
export function smtpService(masterText: string | null): { port: number; host?: string } | null {
  if (masterText === null) return { port: 25 };
  const port = smtpPortFromMasterCf(masterText);
  if (port === undefined) return null;
  let services;
  try {
    services = MasterCf.parse(masterText).services();
  } catch {
    return { port };
  }
  for (const s of services) {
    if (s.type !== 'inet' || !s.service.includes(':')) continue;
    const cut = s.service.lastIndexOf(':');
    const p = s.service.slice(cut + 1);
    if (p === String(port) || (port === 25 && p === 'smtp'))
      return { port, host: s.service.slice(0, cut).replace(/^\[|\]$/g, '') };
  }
  return { port };
}

/** The outcome, and where the SMTP checks talk to the service (`value`; null: nothing listens). */
export async function checkListening(
  ctx: Pick<VerifyContext, 'fx' | 'params' | 'smtpAddress'>,
  masterText: string | null,
  role: RoleId | null,
): Promise<{ outcome: StepOutcomeReport; value: Target | null }> {
  const given = ctx.smtpAddress ? parseEndpoint(ctx.smtpAddress) : null;
  const svc = given ? { port: given.port, host: given.host } : smtpService(masterText);
  const fail = (detail: string, value: Target | null = null) => ({
    outcome: { status: 'failed' as const, detail },
    value,
  });
  if (!svc) return fail('master.cf has no smtp service (smtpd or postscreen on an inet port)');
  // A role that receives no mail listens on loopback only; its name for the messages.
  const mod = role !== null && isRoleId(role) ? roleModule(role) : null;
  const sendOnly = mod !== null && !mod.receivesMail ? mod.info.title.toLowerCase() : null;
  const socks = (await ctx.fx.listeningSockets()).filter((s) => s.port === svc.port);
  const shown = socks.map((s) => showEndpoint(s.address, s.port)).join(', ');
  if (socks.length === 0) return fail(`nothing listens on port ${svc.port}`);
  // The address to send probes to: the pinned one, else a loopback listener, else the first.
  const lo = socks.find((s) => s.loopback) ?? socks.find((s) => s.wildcard);
  const pick =
    svc.host ?? (lo ? (lo.wildcard ? (lo.family === 4 ? '127.0.0.1' : '::1') : lo.address) : socks[0].address);
  const target = { host: pick, port: svc.port };
  if (given) {
    if (!socks.some((s) => s.address === given.host || s.wildcard))
      return fail(`nothing listens on ${showEndpoint(given.host, given.port)} (port ${given.port}: ${shown})`, target);
    if (sendOnly && socks.some((s) => !s.loopback))
      return fail(`a ${sendOnly} must listen on loopback only; port ${svc.port}: ${shown}`, target);
    return {
      outcome: {
        status: 'ok',
        detail: `listening on ${showEndpoint(given.host, given.port)} (the address given for this instance)`,
      },
      value: target,
    };
  }
  if (sendOnly) {
    const outside = socks.filter((s) => !s.loopback);
    if (outside.length)
      return fail(
        `a ${sendOnly} must listen on loopback only, but port ${svc.port} is open on ` +
          `${outside.map((s) => showEndpoint(s.address, s.port)).join(', ')} (inet_interfaces = ${ctx.params.inet_interfaces})`,
        target,
      );
    return { outcome: { status: 'ok', detail: `loopback only: ${shown}` }, value: target };
  }
  if (socks.every((s) => s.loopback))
    return fail(
      `only loopback listens on port ${svc.port} (${shown}): a ${role ?? 'mail host'} receives no mail from the network ` +
        `(inet_interfaces = ${ctx.params.inet_interfaces})`,
      target,
    );
  return { outcome: { status: 'ok', detail: shown }, value: target };
}
