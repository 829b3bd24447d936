import { LOGROTATE_DROPIN, MAILLOG_FILE } from '../../model/paths.js';
import type { LintRule } from '../../roles/role.js';

/** Postfix's own log file is rotated by logrotate, which must be installed. */
export const logrotateMissing: LintRule = {
  id: 'logrotate-missing',
  level: 'warning',
  summary: 'Postfix logs to its own file and logrotate is not installed',
  check({ a, host }) {
    if (a.logging !== 'file' || host.logrotate !== false) return [];
    return [
      `logrotate is not installed: ${LOGROTATE_DROPIN} does nothing until it is, and ${MAILLOG_FILE} grows without ` +
        'end (a live apply installs it: apt-get install logrotate)',
    ];
  },
};
