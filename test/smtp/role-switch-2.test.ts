/**
 * Switching roles on a running Postfix, second half of the Euler circuit through all 12 ordered
 * pairs of roles (mail → backup → mail → firewall → backup → firewall → null).
 */
import { slotOf } from '../helpers/slots.js';
import { switchSuite } from '../helpers/smtp-switch.js';

const SLOT = slotOf('role-switch-2');

switchSuite(`role switches on a running Postfix, 2 of 2 (127.0.${SLOT}.25:${2400 + SLOT})`, SLOT, [
  'mail-server',
  'backup-mx',
  'mail-server',
  'firewall-relay',
  'backup-mx',
  'firewall-relay',
  'null-client',
]);
