/**
 * Each role's name and one-line explanation, as the wizard's role list shows them (and the
 * role modules carry them as their `info`). Data only, so that the wizard draws its first
 * frame without loading the roles' logic.
 */
import type { RoleId, RoleInfo } from '../model/answers.js';

/** Every role's info, in the order the wizard lists them (the order of ROLES in ./index.ts). */
export const ROLE_INFOS: Readonly<Record<RoleId, RoleInfo>> = {
  'null-client': {
    id: 'null-client',
    title: 'Null client',
    summary: 'sends only: all mail goes out through a relay host; nothing is received or delivered here',
  },
  'mail-server': {
    id: 'mail-server',
    title: 'Domain mail server',
    summary: 'receives and delivers mail for the domain; relays for its own networks only',
  },
  'backup-mx': {
    id: 'backup-mx',
    title: 'Backup MX (behind NAT)',
    summary: 'queues and forwards mail for another domain while its primary is down; proxy_interfaces for NAT',
  },
  'firewall-relay': {
    id: 'firewall-relay',
    title: 'Firewall / gateway relay',
    summary: 'no local delivery: passes mail for the inside domain to the inside mail host',
  },
};

/** The roles' infos, in the wizard's order. */
export function roleInfoList(): RoleInfo[] {
  return Object.values(ROLE_INFOS);
}
