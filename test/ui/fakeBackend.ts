/**
 * A scriptable WizardBackend for the UI tests: two roles with realistic questions and validation,
 * a plan with file diffs, parameters, actions and findings built from the answers, and an apply
 * that succeeds or fails with a rollback. Every call is recorded.
 */
import type { Plan } from '../../src/model/plan.js';
import type { AnswerKey, AnswerValue, Answers, Question, RoleId, RoleInfo } from '../../src/model/answers.js';
import type { HostFacts } from '../../src/model/host.js';
import type { StepEvent, ApplyResult, Detection, WizardBackend } from '../../src/ui/backend.js';
import { fakeHost } from '../helpers/host.js';

/** A Debian 12 host (systemd, rsyslog, Postfix running) with a private IPv4 and a public IPv6 address. */
export const HOST: HostFacts = fakeHost({
  fqdn: 'mx1.example.com',
  hostname: 'mx1',
  addresses: [
    { iface: 'lo', family: 4, address: '127.0.0.1', prefix: 8, network: '127.0.0.0/8', scope: 'loopback' },
    { iface: 'eth0', family: 4, address: '192.168.1.10', prefix: 24, network: '192.168.1.0/24', scope: 'private' },
    { iface: 'eth0', family: 6, address: '2001:db8::10', prefix: 64, network: '[2001:db8::]/64', scope: 'public' },
  ],
  distro: { id: 'debian', versionId: '12', debianLike: true },
  ipv6DefaultRoute: false,
});

export const ROLES: RoleInfo[] = [
  { id: 'null-client', title: 'Null client', summary: 'sends only, through a relay host' },
  { id: 'mail-server', title: 'Mail server', summary: 'receives mail for the domain and the local network' },
];

const FQDN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i;
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;

/** A question with a validate function. */
function q(
  key: Question['key'],
  label: string,
  kind: Question['kind'],
  def: AnswerValue,
  validate: (v: AnswerValue) => string | null,
  extra: Partial<Question> = {},
): Question {
  return {
    key,
    label,
    param: key,
    explain: `explains ${key}`,
    origin: `origin of ${key}`,
    help: [`what ${key} does`, `when to change ${key}`],
    kind,
    default: def,
    optional: false,
    advanced: false,
    validate,
    ...extra,
  };
}

function hostnameQuestion(current: Partial<Answers>): Question {
  return q('myhostname', 'Host name (myhostname)', 'text', current.myhostname ?? HOST.fqdn, (v) =>
    typeof v === 'string' && FQDN.test(v) ? null : `"${String(v)}" is not a fully qualified host name`,
  );
}

/** The domain part of a host name (example.com for mx1.example.com and for no name). */
function domainOf(host: string | undefined): string {
  const h = host ?? HOST.fqdn;
  return h.includes('.') ? h.slice(h.indexOf('.') + 1) : h;
}

/** The questions of the two fake roles. */
export function fakeQuestions(role: RoleId, current: Partial<Answers>): Question[] {
  if (role === 'null-client') {
    return [
      hostnameQuestion(current),
      q('relayhost', 'Relay host (relayhost)', 'text', current.relayhost ?? '[smtp.example.com]:587', (v) =>
        typeof v === 'string' && /^\[[^\]]+\](:\d+)?$/.test(v)
          ? null
          : 'relayhost must look like [host] or [host]:port',
      ),
      q('inet_protocols', 'IP protocols (inet_protocols)', 'choice', current.inet_protocols ?? 'ipv4', () => null, {
        choices: [
          { value: 'all', label: 'all (IPv4 and IPv6)' },
          { value: 'ipv4', label: 'ipv4 only' },
          { value: 'ipv6', label: 'ipv6 only' },
        ],
      }),
      q('chroot', 'Chroot network services (master.cf)', 'boolean', current.chroot ?? true, () => null),
      q('smtp_sasl', 'Smart host login (smtp_sasl)', 'secret', current.smtp_sasl, () => null, { optional: true }),
    ];
  }
  return [
    hostnameQuestion(current),
    q(
      'mynetworks',
      'Trusted networks (mynetworks)',
      'list',
      current.mynetworks ?? ['127.0.0.0/8', '192.168.1.0/24'],
      (v) => {
        if (!Array.isArray(v)) return 'a list is expected';
        const bad = v.find((n) => !CIDR.test(n));
        return bad === undefined ? null : `"${bad}" is not a network in CIDR form`;
      },
    ),
    q('transport', 'Next hops (transport_maps)', 'map', current.transport ?? {}, () => null, { optional: true }),
    // A default that follows an earlier answer: root at the host name's domain.
    q('postmaster', 'Postmaster address', 'text', current.postmaster ?? `root@${domainOf(current.myhostname)}`, (v) =>
      typeof v === 'string' && v.includes('@') ? null : 'an address with @ is expected',
    ),
  ];
}

/** The main.cf of the fake machine. */
export const MAIN_CF_BEFORE = [
  'smtpd_banner = $myhostname ESMTP $mail_name',
  'biff = no',
  'myhostname = mx1.example.com',
  'inet_interfaces = all',
  'mydestination = $myhostname, localhost',
  'relayhost =',
  '',
].join('\n');

/** The plan the fake planner builds: a main.cf diff, a secret map when SASL is set, findings from mynetworks. */
export function fakePlan(
  answers: Answers,
  opts: { empty?: boolean; padLines?: number; drift?: boolean; tlsKept?: boolean; cleanups?: boolean } = {},
): Plan {
  if (opts.empty) return { role: answers.role, answers, files: [], actions: [], params: [], findings: [], drift: [] };
  const after = MAIN_CF_BEFORE.replace(
    'myhostname = mx1.example.com',
    `myhostname = ${answers.myhostname ?? 'mx1.example.com'}`,
  )
    .replace('relayhost =', `relayhost = ${answers.relayhost ?? ''}`)
    .replace(
      'inet_interfaces = all',
      answers.role === 'null-client' ? 'inet_interfaces = loopback-only' : 'inet_interfaces = all',
    );
  const padding = Array.from({ length: opts.padLines ?? 0 }, (_, i) => `# padding line ${i + 1}\n`).join('');
  const plan: Plan = {
    role: answers.role,
    answers,
    files: [
      {
        path: '/etc/postfix/main.cf',
        before: MAIN_CF_BEFORE,
        after: after + padding,
        description: 'Postfix main configuration',
      },
    ],
    actions: [{ kind: 'postfix-check' }, { kind: 'reload' }],
    params: [
      {
        name: 'relayhost',
        before: '',
        after: answers.relayhost ?? '',
        beforeExpanded: '',
        afterExpanded: answers.relayhost ?? '',
      },
      {
        name: 'myorigin',
        before: undefined,
        after: '$mydomain',
        beforeExpanded: 'mx1.example.com',
        afterExpanded: 'example.com',
      },
    ],
    findings: [{ id: 'helo-name', level: 'warning', message: 'the HELO name has no DNS A record' }],
    drift: [],
  };
  if (answers.smtp_sasl !== undefined) {
    plan.files.push({
      path: '/etc/postfix/sasl_passwd',
      before: null,
      after: `${answers.relayhost} ${answers.smtp_sasl.username}:${answers.smtp_sasl.password ?? ''}\n`,
      mode: 0o600,
      secret: true,
      description: 'SMTP login for the relay host',
    });
    plan.actions.unshift({ kind: 'postmap', map: 'hash:/etc/postfix/sasl_passwd', path: '/etc/postfix/sasl_passwd' });
  }
  if (opts.drift && !(answers.overrides ?? []).includes('overwrite-hand-edits')) {
    plan.drift.push({ name: 'notify_classes', ours: 'resource, software', now: 'resource, software, bounce' });
    plan.findings.push({
      id: 'hand-edit',
      level: 'warning',
      message: 'notify_classes was changed by hand since mailsetup set it: keeping the hand edit',
    });
  }
  if (opts.cleanups) {
    // An upgraded box: two deprecated parameters and a value with a comment, until accepted.
    const overrides = answers.overrides ?? [];
    const migrate = overrides.includes('migrate-deprecated') ? 0 : 2;
    const fix = overrides.includes('fix-value-comments') ? 0 : 1;
    for (const name of ['smtpd_use_tls', 'smtp_use_tls'].slice(0, migrate))
      plan.findings.push({ id: 'deprecated-parameter', level: 'warning', message: `${name} = yes: deprecated` });
    if (fix) plan.findings.push({ id: 'value-comment', level: 'warning', message: 'relayhost: a comment in a value' });
    if (migrate + fix > 0) plan.offers = { migrateDeprecated: migrate, fixValueComments: fix };
  }
  if (opts.tlsKept) {
    const replaced = (answers.overrides ?? []).includes('replace-tls-settings');
    plan.tls = {
      outbound: 'opportunistic TLS (may): encrypted when the receiver offers STARTTLS, else plain',
      inbound: 'STARTTLS offered on port 25 (may), never required; TLS logged at level 1',
      certificate: ["Debian's snakeoil certificate: /etc/ssl/certs/ssl-cert-snakeoil.pem"],
      kept: replaced ? [] : [{ name: 'smtp_tls_CApath', value: '/etc/ssl/certs' }],
      notes: [],
    };
  }
  if ((answers.mynetworks ?? []).includes('0.0.0.0/0') && !(answers.overrides ?? []).includes('mynetworks-public')) {
    plan.findings.unshift({
      id: 'mynetworks-public',
      level: 'error',
      message: 'mynetworks 0.0.0.0/0 makes this host an open relay',
      override: 'mynetworks-public',
    });
  }
  return plan;
}

/** Resolves when told to: for probes that arrive after the first frame. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export interface FakeOptions {
  detection?: Detection;
  /** Answers given beforehand (an answers file): the questions offer them as their defaults. */
  preset?: Partial<Answers>;
  /** Hold probe() (the slow probes) until resolved by the test. */
  probeGate?: Deferred<void>;
  /** What the slow probes report. */
  probeLines?: string[];
  /** Hold loadHost() until resolved by the test. */
  hostGate?: Deferred<void>;
  applyOutcome?: 'success' | 'failure';
  /** Hold apply() after its first event until resolved by the test. */
  applyGate?: Deferred<void>;
  emptyPlan?: boolean;
  /** Extra lines appended to main.cf, for scrolling. */
  padLines?: number;
  /** loadHost() rejects with this message. */
  hostError?: string;
  /** plan() rejects with this message. */
  planError?: string;
  /** The plan reports a hand edit (drift) until overwrite-hand-edits is in the overrides. */
  drift?: boolean;
  /** The plan keeps a TLS setting of main.cf as the user's until replace-tls-settings is in the overrides. */
  tlsKept?: boolean;
  /** The plan finds deprecated parameters and a value comment, each until its clean-up is in the overrides. */
  cleanups?: boolean;
  /** Questions the short path does not ask (they are on the review screen). */
  advanced?: AnswerKey[];
}

export interface FakeBackend extends WizardBackend {
  planCalls: Answers[];
  applyCalls: Plan[];
  /** Each questions() call: the role, and the values its defaults came from (detected, then given). */
  questionCalls: Array<{ role: RoleId; current: Partial<Answers>; given: Partial<Answers> }>;
}

/** The fake backend. */
export function fakeBackend(opts: FakeOptions = {}): FakeBackend {
  const fake: FakeBackend = {
    planCalls: [],
    applyCalls: [],
    questionCalls: [],
    async loadHost() {
      if (opts.hostGate) await opts.hostGate.promise;
      if (opts.hostError !== undefined) throw new Error(opts.hostError);
      return HOST;
    },
    detection() {
      return opts.detection ?? { role: null, answers: {}, summary: ['Postfix 3.7.11: no main.cf yet'] };
    },
    async probe() {
      if (opts.probeGate) await opts.probeGate.promise;
      return opts.probeLines ?? [];
    },
    roles: () => ROLES,
    questions(role, _host, given) {
      // Like the real questions: a question's own answer is not its default; the others' may move it.
      const detected = fake.detection().answers;
      const current = { ...detected, ...opts.preset, ...given };
      fake.questionCalls.push({ role, current, given });
      return fakeQuestions(role, current).map((question) => {
        const advanced = (opts.advanced ?? []).includes(question.key);
        if (!Object.hasOwn(given, question.key)) return { ...question, advanced };
        const { [question.key]: _own, ...others } = given;
        const def = fakeQuestions(role, { ...detected, ...others }).find((x) => x.key === question.key)?.default;
        return { ...question, default: def, advanced };
      });
    },
    async plan(answers) {
      fake.planCalls.push(answers);
      if (opts.planError !== undefined) throw new Error(opts.planError);
      return fakePlan(answers, {
        empty: opts.emptyPlan,
        padLines: opts.padLines,
        drift: opts.drift,
        tlsKept: opts.tlsKept,
        cleanups: opts.cleanups,
      });
    },
    async apply(plan, _host, onEvent) {
      fake.applyCalls.push(plan);
      const events: StepEvent[] = [];
      const emit = (e: StepEvent) => {
        const i = events.findIndex((x) => x.id === e.id);
        if (i < 0) events.push(e);
        else events[i] = e;
        onEvent(e);
      };
      emit({ id: 'backup', label: 'Back up 1 file', status: 'ok', detail: '/var/backups/mailsetup/20240102T030405' });
      emit({ id: 'write', label: 'Write /etc/postfix/main.cf', status: 'running' });
      if (opts.applyGate) await opts.applyGate.promise;
      emit({ id: 'write', label: 'Write /etc/postfix/main.cf', status: 'ok' });
      if (opts.applyOutcome === 'failure') {
        emit({
          id: 'check',
          label: 'postfix check',
          status: 'failed',
          detail: 'postfix/postfix-script: fatal: bad parameter',
        });
        emit({
          id: 'write',
          label: 'Write /etc/postfix/main.cf',
          status: 'rolled-back',
          detail: 'restored from the backup',
        });
        const result: ApplyResult = {
          ok: false,
          changed: false,
          backupDir: '/var/backups/mailsetup/20240102T030405',
          error: 'postfix check failed',
          rolledBack: true,
          warnings: [],
          events,
        };
        return result;
      }
      emit({ id: 'check', label: 'postfix check', status: 'ok' });
      emit({ id: 'reload', label: 'postfix reload', status: 'ok' });
      return {
        ok: true,
        changed: true,
        backupDir: '/var/backups/mailsetup/20240102T030405',
        rolledBack: false,
        warnings: ['libsasl2-modules is not installed'],
        events,
      };
    },
  };
  return fake;
}
