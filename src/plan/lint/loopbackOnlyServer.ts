import type { LintRule } from '../../roles/role.js';
import { roleModule } from '../../roles/index.js';

/** A role that receives mail, listening on loopback only, receives nothing from the network. */
export const loopbackOnlyServer: LintRule = {
  id: 'loopback-only-server',
  level: 'warning',
  summary: 'a role that receives mail listens on loopback only',
  check({ a, main }) {
    if (!roleModule(a.role).receivesMail || main('inet_interfaces') !== 'loopback-only') return [];
    return [`inet_interfaces = loopback-only: a ${a.role} receives no mail from the network this way`];
  },
};
