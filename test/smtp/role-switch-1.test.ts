/**
 * Switching roles on a running Postfix, first half of an Euler circuit through all 12 ordered
 * pairs of roles (null → mail → null → backup → null → firewall → mail).
 */
import { slotOf } from '../helpers/slots.js';
import { switchSuite } from '../helpers/smtp-switch.js';

const SLOT = slotOf('role-switch-1');

switchSuite(`role switches on a running Postfix, 1 of 2 (127.0.${SLOT}.25:${2400 + SLOT})`, SLOT, [
  'null-client',
  'mail-server',
  'null-client',
  'backup-mx',
  'null-client',
  'firewall-relay',
  'mail-server',
]);
