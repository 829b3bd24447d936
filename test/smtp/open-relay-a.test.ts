/** Never an open relay: null client and mail server, two seeded random answer sets each (slots 31–34). */
import { openRelaySuite } from '../helpers/smtp-openrelay.js';

openRelaySuite(['null-client', 'mail-server'], 'open-relay-a');
