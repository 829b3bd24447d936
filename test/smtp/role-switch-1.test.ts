/**
 * Switching roles on a running Postfix, first half of an Euler circuit through all 12 ordered
 * pairs of roles (null → mail → null → backup → null → firewall → mail); slot 41.
 */
import { switchSuite } from '../helpers/smtp-switch.js';

switchSuite('role switches on a running Postfix, 1 of 2 (127.0.41.25:2441)', 41, [
  'null-client',
  'mail-server',
  'null-client',
  'backup-mx',
  'null-client',
  'firewall-relay',
  'mail-server',
]);
