/**
 * Switching roles on a running Postfix, second half of the Euler circuit through all 12 ordered
 * pairs of roles (mail → backup → mail → firewall → backup → firewall → null); slot 42.
 */
import { switchSuite } from '../helpers/smtp-switch.js';

switchSuite('role switches on a running Postfix, 2 of 2 (127.0.42.25:2442)', 42, [
  'mail-server',
  'backup-mx',
  'mail-server',
  'firewall-relay',
  'backup-mx',
  'firewall-relay',
  'null-client',
]);
