import type { LintRule } from '../role.js';

/** A relay host on a submission port usually wants a login. */
export const submissionWithoutLogin: LintRule = {
  id: 'submission-without-login',
  level: 'warning',
  summary: 'a null client sends to a submission port (587/465) without a login',
  check({ a, main }) {
    const relayhost = main('relayhost');
    if (a.smtp_sasl || !/:(587|submission|465|smtps|submissions)$/.test(relayhost)) return [];
    return [`relayhost ${relayhost} is a submission port, which usually needs a login (smtp_sasl)`];
  },
};
