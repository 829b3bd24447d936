/**
 * Never an open relay: backup MX and firewall relay, two seeded random answer sets each (slots
 * 35–38), and a backup MX that accepts every recipient of its relay domain (@domain, slot 39):
 * the trick forms aimed at that domain are refused all the same, plain mail for any user there goes
 * to its primary.
 */
import { NAMES, matrixAnswers } from '../helpers/smtp-lab.js';
import { openRelaySuite } from '../helpers/smtp-openrelay.js';

openRelaySuite(['backup-mx', 'firewall-relay'], 'open-relay-b', 2, [
  {
    name: 'accept-all relay domain @backed.example',
    answers: (a) => matrixAnswers('backup-mx', a, { relay_recipients: [`@${NAMES['backup-mx'].domain}`] }),
  },
]);
