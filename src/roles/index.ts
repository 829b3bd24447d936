/**
 * The role registry: the one list of roles. Their ids are part of the public interface (the
 * answers file's `role:`). A new role is a module in its own folder here, listed below.
 */
import type { RoleId, RoleInfo } from '../model/answers.js';
import { backupMx } from './backupMx/index.js';
import { firewallRelay } from './firewallRelay/index.js';
import { mailServer } from './mailServer/index.js';
import { nullClient } from './nullClient/index.js';
import type { RoleModule } from './role.js';

/** Every role, in the order the wizard lists them. */
export const ROLES: Readonly<Record<RoleId, RoleModule>> = {
  'null-client': nullClient,
  'mail-server': mailServer,
  'backup-mx': backupMx,
  'firewall-relay': firewallRelay,
};

/** The role ids, in the wizard's order. */
export const ROLE_IDS: readonly RoleId[] = Object.keys(ROLES);

/**
 * The order in which detect() tries to recognise a role in an existing main.cf: the most
 * specific first (a gateway also has an empty mydestination, like a null client; a backup MX
 * also has relay_domains, which a mail server may have too).
 */
export const RECOGNITION_ORDER: readonly RoleId[] = ['firewall-relay', 'null-client', 'backup-mx', 'mail-server'];

export function isRoleId(value: unknown): value is RoleId {
  return typeof value === 'string' && Object.hasOwn(ROLES, value);
}

/** The module of a role id (checked with isRoleId where it was read). */
export function roleModule(id: RoleId): RoleModule {
  const m = isRoleId(id) ? ROLES[id] : undefined;
  if (m === undefined) throw new Error(`unknown role "${id}" (${ROLE_IDS.join(', ')})`);
  return m;
}

export function roleInfos(): RoleInfo[] {
  return Object.values(ROLES).map((r) => r.info);
}

/** "null-client, mail-server, backup-mx or firewall-relay". */
export function roleIdList(conjunction = 'or'): string {
  return `${ROLE_IDS.slice(0, -1).join(', ')} ${conjunction} ${ROLE_IDS[ROLE_IDS.length - 1]}`;
}
