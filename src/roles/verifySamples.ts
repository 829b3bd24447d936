/**
 * What the roles' --verify samples (RoleModule.verifySamples) share: postmaster at this host,
 * at the gateway's own address, and a sample address of the first relayed domain.
 */
import type { Answers } from '../model/answers.js';
import { splitList } from '../postfix/lists.js';
import type { LiveParams, VerifySample } from './role.js';

/** postmaster@myhostname: delivered here. */
export function postmasterHere(params: LiveParams, cls = 'local'): VerifySample {
  return { cls, address: `postmaster@${params.myhostname}` };
}

/**
 * postmaster at the gateway's own address literal (rewritten by virtual_alias_maps): the first
 * inet_interfaces address, or 127.0.0.1 when it listens on all or on loopback only.
 */
export function postmasterAtGateway(params: LiveParams, cls = 'local (postmaster at the gateway)'): VerifySample {
  const first = splitList(params.inet_interfaces)[0];
  const literal = !first || first === 'all' || first === 'loopback-only' ? '127.0.0.1' : first;
  return { cls, address: `postmaster@[${literal}]` };
}

/**
 * The first domain of relay_domains (tables, files and $names left out): a recipient listed in
 * relay_recipients for it, else postmaster@domain, with its transport next hop when one was
 * given. A skip when relay_domains names no domain.
 */
export function relayDomainSample(
  params: LiveParams,
  answers: Answers,
): { sample: VerifySample } | { skipped: { cls: string; why: string } } {
  const domains = splitList(params.relay_domains).filter(
    (d) => !d.includes(':') && !d.startsWith('/') && !d.startsWith('$'),
  );
  if (domains.length === 0) return { skipped: { cls: 'relay domain', why: 'relay_domains names no domain' } };
  const d = domains[0];
  const listed = (answers.relay_recipients ?? []).find((r) => !r.startsWith('@') && r.toLowerCase().endsWith(`@${d}`));
  const hop = Object.entries(answers.transport ?? {}).find(([k]) => k.toLowerCase() === d)?.[1];
  return { sample: { cls: `relay domain ${d}`, address: listed ?? `postmaster@${d}`, ...(hop ? { hop } : {}) } };
}
