// The answers of each role the bench applies (bench/run.mjs, bench/pairs.mjs): myhostname and the
// role's required keys, the shape an admin would write; in the order the bench's rows take.
export const ANSWERS = {
  'null-client':
    'role: null-client\nmyhostname: host.example.com\nrelayhost: "[smtp.example.net]"\npostmaster: admin@example.net\n',
  'mail-server':
    'role: mail-server\nmyhostname: mail.example.com\npostmaster: admin@example.com\nmynetworks: [127.0.0.0/8, 10.0.0.0/24]\n',
  'backup-mx':
    'role: backup-mx\nmyhostname: mx2.example.org\npostmaster: admin@example.org\nmynetworks: [127.0.0.0/8]\n' +
    'relay_domains: [example.com]\nrelay_recipients: [user1@example.com, user2@example.com]\nproxy_interfaces: [203.0.113.7]\n' +
    'transport:\n  example.com: "relay:[mail.example.com]"\n',
  'firewall-relay':
    'role: firewall-relay\nmyhostname: gw.example.com\npostmaster: admin@example.com\nmynetworks: [127.0.0.0/8, 10.1.0.0/16]\n' +
    'relay_domains: [example.com]\nrelay_recipients: [user1@example.com]\ntransport:\n  example.com: "relay:[inside.example.com]"\n',
};

/** Answers that change one thing of ANSWERS[role] (the host name): a re-run that reloads Postfix. */
export function changedAnswers(role) {
  return ANSWERS[role].replace(/^myhostname: (\S+)$/m, (_, h) => `myhostname: new-${h}`);
}
