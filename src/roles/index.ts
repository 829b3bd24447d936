/** The role registry: ids are part of the public interface. */
import { backupMx } from './backupMx.js';
import { firewallRelay } from './firewallRelay.js';
import { mailServer } from './mailServer.js';
import { nullClient } from './nullClient.js';
import type { RoleModule } from './role.js';
import type { RoleId, RoleInfo } from '../model/answers.js';

export const ROLES: Readonly<Record<RoleId, RoleModule>> = {
  'null-client': nullClient,
  'mail-server': mailServer,
  'backup-mx': backupMx,
  'firewall-relay': firewallRelay,
};

export function roleModule(id: RoleId): RoleModule {
  return ROLES[id];
}

export function roleInfos(): RoleInfo[] {
  return Object.values(ROLES).map((r) => r.info);
}
