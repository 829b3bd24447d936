/** The wizard's pure reducer, step by step, and the small pure helpers of the UI. */
import { describe, expect, test } from 'vitest';
import {
  answersForPlan,
  canConfirm,
  currentValue,
  editedAnswers,
  EXIT_CANCELLED,
  initialState,
  overrideIds,
  reducer,
} from '../../src/ui/machine.js';
import { questionsFor } from '../../src/roles/questions.js';
import { ROLE_IDS } from '../../src/roles/index.js';
import { REVIEW_CONTINUE, reviewLines, reviewOrigin } from '../../src/ui/ReviewScreen.js';
import type { WizardAction, WizardState } from '../../src/ui/machine.js';
import { entriesToMap, formatValue, isEmptyValue, toEntries } from '../../src/ui/format.js';
import { wrapLine } from '../../src/ui/style.js';
import { liftingOverrides } from '../../src/ui/PreviewScreen.js';
import type { ApplyResult } from '../../src/ui/backend.js';
import type { Answers, AnswerValue, RoleId, RoleInfo } from '../../src/model/answers.js';
import { HOST, ROLES, fakePlan, fakeQuestions } from './fakeBackend.js';

const run = (s: WizardState, ...actions: WizardAction[]) => actions.reduce(reducer, s);
const nullQs = fakeQuestions('null-client', {});
const mailQs = fakeQuestions('mail-server', {});

/** A state on the first null-client question with the host known. */
function atQuestions(): WizardState {
  return run(
    initialState(ROLES, { role: null, answers: {}, summary: [] }),
    { type: 'host', host: HOST },
    { type: 'choose-role' },
    { type: 'questions', questions: nullQs },
  );
}

/** A state at the preview of a plan. */
function atPreview(plan = fakePlan({ role: 'null-client' })): WizardState {
  let s = atQuestions();
  for (const q of nullQs) s = reducer(s, { type: 'answer', key: q.key, value: q.default, questions: nullQs });
  expect(s.step).toBe('planning');
  return reducer(s, { type: 'planned', request: s.planRequest, plan });
}

describe('reducer', () => {
  test('starts on the role screen with nothing known', () => {
    const s = initialState(ROLES);
    expect(s).toMatchObject({ step: 'role', host: null, detection: null, roleCursor: 0, role: null, exitCode: null });
  });

  test("detection (before the first frame) pre-selects the current role; its values stay the questions' business; probes never move the cursor", () => {
    const detection = {
      role: 'mail-server' as const,
      answers: { role: 'mail-server' as const, myhostname: 'a.example.org' },
      summary: [],
    };
    const s = initialState(ROLES, detection);
    expect(s.roleCursor).toBe(1);
    // The current values are the questions' defaults (the backend's), not answers given in this session.
    expect(s.detection?.answers).toEqual({ role: 'mail-server', myhostname: 'a.example.org' });
    expect(s.answers).toEqual({});
    const moved = run(
      s,
      { type: 'role-cursor', index: 0 },
      { type: 'host', host: HOST },
      { type: 'probed', lines: ['x'] },
    );
    expect(moved.roleCursor).toBe(0);
    expect(moved.probes).toEqual(['x']);
    expect(initialState(ROLES, { role: 'custom', answers: {}, summary: [] }).roleCursor).toBe(0);
    // The role an answers file names is selected first, the current one stays the current one.
    expect(initialState(ROLES, { role: null, answers: {}, summary: [], suggested: 'mail-server' }).roleCursor).toBe(1);
  });

  test('role-move moves relative to the cursor as it is, clamped', () => {
    const s = run(initialState(ROLES), { type: 'role-move', by: 1 }, { type: 'role-move', by: 1 });
    expect(s.roleCursor).toBe(1);
    expect(run(s, { type: 'role-move', by: -1 }).roleCursor).toBe(0);
    expect(run(s, { type: 'role-move', by: -99 }).roleCursor).toBe(0);
  });

  test('the role cursor is clamped to the list', () => {
    expect(run(initialState(ROLES), { type: 'role-cursor', index: 9 }).roleCursor).toBe(1);
    expect(run(initialState(ROLES), { type: 'role-cursor', index: -3 }).roleCursor).toBe(0);
  });

  test('choosing a role waits for its questions; answers advance and re-read the question list', () => {
    let s = run(initialState(ROLES), { type: 'role-cursor', index: 1 }, { type: 'choose-role' });
    expect(s).toMatchObject({ step: 'questions', role: 'mail-server', questions: null, index: 0 });
    s = run(s, { type: 'questions', questions: mailQs });
    s = run(s, { type: 'answer', key: 'myhostname', value: 'mx.example.net', questions: mailQs });
    expect(s.index).toBe(1);
    expect(s.answers.myhostname).toBe('mx.example.net');
    // A new list in which the answered question moved: the next one follows it.
    const reordered = [mailQs[1], mailQs[0], mailQs[2], mailQs[3]];
    s = run(s, { type: 'answer', key: 'mynetworks', value: ['127.0.0.0/8'], questions: reordered });
    expect(s.index).toBe(1);
    expect(s.questions).toBe(reordered);
  });

  test('the last answer requests a plan; a role without questions goes straight to planning', () => {
    const s = atQuestions();
    const last = run(
      { ...s, index: nullQs.length - 1 },
      { type: 'answer', key: 'smtp_sasl', value: undefined, questions: nullQs },
    );
    expect(last).toMatchObject({ step: 'planning', planRequest: 1, plan: null });
    const none = run(initialState(ROLES), { type: 'choose-role' }, { type: 'questions', questions: [] });
    expect(none).toMatchObject({ step: 'planning', planRequest: 1 });
  });

  test('back: question by question to the role screen, keeping the answers; from the preview to the last question', () => {
    let s = atQuestions();
    s = run(s, { type: 'answer', key: 'myhostname', value: 'h.example.net', questions: nullQs });
    s = run(s, { type: 'back' });
    expect(s).toMatchObject({ step: 'questions', index: 0 });
    s = run(s, { type: 'back' });
    expect(s.step).toBe('role');
    expect(s.answers.myhostname).toBe('h.example.net');
    const p = run(atPreview(), { type: 'back' });
    expect(p).toMatchObject({ step: 'questions', index: nullQs.length - 1, plan: null });
    expect(run(initialState(ROLES), { type: 'back' }).step).toBe('role');
  });

  test('a stale plan result (from before going back and forth) is ignored', () => {
    let s = atPreview();
    s = run(s, { type: 'back' }, { type: 'answer', key: 'smtp_sasl', value: undefined, questions: nullQs });
    expect(s.planRequest).toBe(2);
    const stale = run(s, {
      type: 'planned',
      request: 1,
      plan: fakePlan({ role: 'null-client', myhostname: 'old.example' }),
    });
    expect(stale.step).toBe('planning');
    const failed = run(s, { type: 'plan-failed', request: 2, message: 'relayhost: bad' });
    expect(failed).toMatchObject({ step: 'preview', plan: null, planError: 'relayhost: bad' });
    expect(canConfirm(failed)).toBe(false);
  });

  test('confirm is the only way to the apply step, and only without blocking errors', () => {
    for (const s of [initialState(ROLES), atQuestions(), run(atQuestions(), { type: 'back' })]) {
      expect(run(s, { type: 'confirm' }).step).toBe(s.step);
    }
    const blocked = atPreview(fakePlan({ role: 'mail-server', mynetworks: ['0.0.0.0/0'] }));
    expect(canConfirm(blocked)).toBe(false);
    expect(run(blocked, { type: 'confirm' })).toBe(blocked);
    const ok = run(atPreview(), { type: 'confirm' });
    expect(ok).toMatchObject({ step: 'applying', confirmed: true });
  });

  test('override adds the ids (once) and plans again', () => {
    const plan = fakePlan({ role: 'mail-server', mynetworks: ['0.0.0.0/0'] });
    expect(overrideIds(plan)).toEqual(['mynetworks-public']);
    expect(liftingOverrides(plan)).toEqual(['mynetworks-public']);
    const s = run(atPreview(plan), { type: 'override', ids: ['mynetworks-public'] });
    expect(s).toMatchObject({ step: 'planning', planRequest: 2 });
    expect(s.answers.overrides).toEqual(['mynetworks-public']);
    const again = run({ ...s, step: 'preview', plan }, { type: 'override', ids: ['mynetworks-public'] });
    expect(again.answers.overrides).toEqual(['mynetworks-public']);
    expect(
      liftingOverrides({ ...plan, findings: [...plan.findings, { id: 'x', level: 'error', message: 'm' }] }),
    ).toEqual([]);
  });

  test('an empty plan confirms to the summary with exit 0 and no apply', () => {
    const s = run(atPreview(fakePlan({ role: 'null-client' }, { empty: true })), { type: 'confirm' });
    expect(s).toMatchObject({ step: 'summary', confirmed: false, exitCode: 0, result: null });
  });

  test('apply events are upserted by id in first-seen order; the result ends the wizard', () => {
    let s = run(atPreview(), { type: 'confirm' });
    s = run(
      s,
      { type: 'apply-event', event: { id: 'a', label: 'A', status: 'running' } },
      { type: 'apply-event', event: { id: 'b', label: 'B', status: 'running' } },
      { type: 'apply-event', event: { id: 'a', label: 'A', status: 'ok' } },
    );
    expect(s.events).toEqual([
      { id: 'a', label: 'A', status: 'ok' },
      { id: 'b', label: 'B', status: 'running' },
    ]);
    const ok: ApplyResult = { ok: true, changed: true, rolledBack: false, warnings: [], events: [] };
    const applied = run(s, { type: 'applied', result: ok });
    expect(applied).toMatchObject({ step: 'summary', exitCode: 0, result: ok });
    expect(applied.events).toHaveLength(2);
    // A failed apply returns to the preview (planned again), every answer kept, the failure to show there.
    const result: ApplyResult = { ok: false, changed: false, rolledBack: true, error: 'x', warnings: [], events: [] };
    const done = run(s, { type: 'applied', result });
    expect(done).toMatchObject({ step: 'planning', exitCode: null, failure: { ok: false, error: 'x' } });
    expect(done.failure?.events).toHaveLength(2);
    expect(done.answers).toEqual(s.answers);
    // Leaving then ends as that apply did: exit 1, with its report.
    expect(run(done, { type: 'cancel' })).toMatchObject({ step: 'summary', exitCode: 1, result: done.failure });
    const crashed = run(s, { type: 'apply-crashed', message: 'boom' });
    expect(crashed.failure).toMatchObject({ ok: false, error: 'boom', rolledBack: false });
    expect(crashed.exitCode).toBe(null);
    expect(run(crashed, { type: 'cancel' }).exitCode).toBe(1);
  });

  test('cancel exits 130 before the apply, is ignored during it; nothing happens after the exit code is set', () => {
    expect(run(atQuestions(), { type: 'cancel' }).exitCode).toBe(EXIT_CANCELLED);
    expect(run(atPreview(), { type: 'cancel' }).exitCode).toBe(130);
    const applying = run(atPreview(), { type: 'confirm' });
    expect(run(applying, { type: 'cancel' })).toBe(applying);
    const cancelled = run(atPreview(), { type: 'cancel' });
    expect(run(cancelled, { type: 'confirm' })).toBe(cancelled);
  });

  test('a fatal error ends with exit 1', () => {
    expect(run(initialState(ROLES), { type: 'fatal', message: 'no host' })).toMatchObject({
      fatal: 'no host',
      exitCode: 1,
    });
  });
});

describe('answers, edits and drafts', () => {
  test('only the question on the screen can be answered: an answer for another key changes nothing', () => {
    const s = atQuestions();
    expect(run(s, { type: 'answer', key: 'relayhost', value: '[x.example]', questions: nullQs })).toBe(s);
  });

  test('an answer equal to the default is not an edit (it follows the default); another value is', () => {
    let s = atQuestions();
    s = run(s, { type: 'answer', key: 'myhostname', value: nullQs[0].default, questions: nullQs });
    expect(s.edited).toEqual([]);
    s = run(s, { type: 'back' }, { type: 'answer', key: 'myhostname', value: 'other.example.com', questions: nullQs });
    expect(s.edited).toEqual(['myhostname']);
    expect(editedAnswers(s)).toEqual({ myhostname: 'other.example.com' });
    s = run(s, { type: 'back' }, { type: 'answer', key: 'myhostname', value: nullQs[0].default, questions: nullQs });
    expect(s.edited).toEqual([]);
  });

  test('Esc keeps what was typed as a draft of the question left; answering it drops the draft', () => {
    let s = run(atQuestions(), { type: 'answer', key: 'myhostname', value: 'h.example.net', questions: nullQs });
    s = run(s, { type: 'back', draft: '[half' });
    expect(s.drafts).toEqual({ relayhost: '[half' });
    expect(s.index).toBe(0);
    s = run(s, { type: 'answer', key: 'myhostname', value: 'h.example.net', questions: nullQs });
    expect(s.drafts).toEqual({ relayhost: '[half' });
    s = run(s, { type: 'answer', key: 'relayhost', value: '[relay.example.net]', questions: nullQs });
    expect(s.drafts).toEqual({});
  });

  test('the value a question stands for: its edited answer, else its default', () => {
    const s = { answers: { myhostname: 'a.example', relayhost: '[r]' }, edited: ['relayhost' as const] };
    expect(currentValue(s, nullQs[0])).toBe(nullQs[0].default);
    expect(currentValue(s, nullQs[1])).toBe('[r]');
  });
});

describe('answersForPlan', () => {
  test("sends the role, the role's question keys and the overrides, nothing else", () => {
    const s: WizardState = {
      ...atQuestions(),
      answers: {
        myhostname: 'h.example.com',
        relayhost: '',
        mynetworks: ['10.0.0.0/8'],
        chroot: false,
        overrides: ['a'],
      },
      edited: ['myhostname', 'relayhost', 'mynetworks', 'chroot'],
    };
    // The other questions go as their defaults show them (inet_protocols); SASL has none.
    expect(answersForPlan(s)).toEqual({
      role: 'null-client',
      myhostname: 'h.example.com',
      relayhost: '',
      inet_protocols: 'ipv4',
      chroot: false,
      overrides: ['a'],
    });
    expect(() => answersForPlan(initialState(ROLES))).toThrow('answersForPlan: no role chosen');
  });
});

describe('value helpers', () => {
  const list = mailQs[1];
  const map = mailQs[2];
  const secret = nullQs[4];
  test('formatValue', () => {
    expect(formatValue(list, ['a', 'b'])).toBe('a, b');
    expect(formatValue(list, [])).toBe('(empty list)');
    expect(formatValue(map, { 'example.com': 'relay:[10.0.0.5]' })).toBe('example.com → relay:[10.0.0.5]');
    expect(formatValue(nullQs[3], false)).toBe('no');
    expect(formatValue(nullQs[2], 'ipv4')).toBe('ipv4 only');
    expect(formatValue(nullQs[1], '')).toBe('(empty)');
    expect(formatValue(secret, { username: 'u', password: 'p' })).toBe('u (password hidden)');
    expect(formatValue(secret, undefined)).toBe('(none)');
  });
  test('entries of a map and back', () => {
    expect(toEntries({ 'a.example': 'relay:[h]', 'b.example': 'smtp:[x]:25' })).toEqual([
      'a.example relay:[h]',
      'b.example smtp:[x]:25',
    ]);
    expect(entriesToMap(['a.example   relay:[h] ', 'b.example smtp:[x]'])).toEqual({
      value: { 'a.example': 'relay:[h]', 'b.example': 'smtp:[x]' },
    });
    expect(entriesToMap(['a.example'])).toEqual({ error: '"a.example" needs a key and a value separated by a space' });
    expect(entriesToMap(['a x', 'a y'])).toEqual({ error: '"a" appears twice' });
  });
  test('isEmptyValue', () => {
    const empty: AnswerValue[] = [undefined, '', ' ', [], {}, { username: '' }];
    const full: AnswerValue[] = [false, 'x', ['x'], { a: 'b' }, { username: 'u' }];
    expect(empty.map((v) => isEmptyValue(v))).toEqual([true, true, true, true, true, true]);
    expect(full.map((v) => isEmptyValue(v))).toEqual([false, false, false, false, false]);
  });
  test('wrapLine splits at the width, keeps styles and expands tabs', () => {
    expect(wrapLine([{ text: 'abcdef', style: 'add' }, { text: 'gh' }], 4)).toEqual([
      [{ text: 'abcd', style: 'add' }],
      [
        { text: 'ef', style: 'add' },
        { text: 'gh', style: undefined },
      ],
    ]);
    expect(wrapLine([{ text: 'a\tb' }], 80)).toEqual([[{ text: 'a       b', style: undefined }]]);
    expect(wrapLine([], 10)).toEqual([[]]);
  });
});

describe('the short path and the review of all settings', () => {
  // The real questions of each role on the fake host: the advanced ones are not asked.
  const realQs = (role: RoleId, given: Partial<Answers> = {}, current: Partial<Answers> = {}) =>
    questionsFor(role, HOST, current, Object.keys(current).length > 0 ? role : null, given);

  /** The role chosen and its questions loaded. */
  function start(role: RoleId): WizardState {
    const roles: RoleInfo[] = [{ id: role, title: role, summary: '' }];
    return run(
      initialState(roles, { role: null, answers: {}, summary: [] }),
      { type: 'host', host: HOST },
      { type: 'choose-role' },
      { type: 'questions', questions: realQs(role) },
    );
  }

  /** Enter on every question the short path shows, until it leaves the questions step. */
  function acceptAll(
    s: WizardState,
    role: RoleId,
    answers: Partial<Answers> = {},
  ): { s: WizardState; asked: string[] } {
    const asked: string[] = [];
    while (s.step === 'questions' && s.questions !== null) {
      const q = s.questions[s.index];
      asked.push(q.key);
      const value = Object.hasOwn(answers, q.key) ? answers[q.key] : currentValue(s, q);
      const given = editedAnswers({ answers: { ...s.answers, [q.key]: value }, edited: [...s.edited, q.key] });
      s = reducer(s, { type: 'answer', key: q.key, value, questions: realQs(role, given) });
    }
    return { s, asked };
  }

  const ANSWERS: Record<RoleId, Partial<Answers>> = {
    'null-client': { relayhost: '[smtp.example.net]:587', postmaster: 'admin@example.net' },
    'mail-server': { postmaster: 'alice' },
    'backup-mx': {
      relay_domains: ['example.org'],
      relay_recipients: ['@example.org'],
      postmaster: 'admin@example.org',
    },
    'firewall-relay': {
      relay_domains: ['example.com'],
      transport: { 'example.com': 'relay:[10.0.0.5]' },
      relay_recipients: ['@example.com'],
      postmaster: 'admin@example.com',
    },
  };

  test.each(ROLE_IDS)('%s: only the basic questions are asked, then the review, then the plan', (role) => {
    const all = realQs(role);
    const { s, asked } = acceptAll(start(role), role, ANSWERS[role]);
    expect(asked).toEqual(all.filter((q) => !q.advanced).map((q) => q.key));
    expect(asked.length).toBeLessThan(all.length);
    // At most 5, and the NAT address of an MX whose host has only private addresses.
    expect(asked.filter((k) => k !== 'proxy_interfaces').length).toBeLessThanOrEqual(5);
    expect(s.step).toBe('review');
    expect(s.reviewCursor).toBe(0);
    // Enter on "continue": the plan gets every setting, the advanced ones at their defaults.
    const planning = reducer(s, { type: 'review-choose' });
    expect(planning.step).toBe('planning');
    const sent = answersForPlan(planning);
    for (const q of s.questions ?? []) expect(sent[q.key], q.key).toEqual(currentValue(s, q));
    for (const [k, v] of Object.entries(ANSWERS[role])) expect(sent[k as keyof Answers], k).toEqual(v);
  });

  test('a setting picked on the review is asked, and its answer returns to the review with the row kept', () => {
    let { s } = acceptAll(start('mail-server'), 'mail-server', ANSWERS['mail-server']);
    const qs = s.questions ?? [];
    const row = qs.findIndex((q) => q.key === 'inet_protocols') + 1;
    expect(qs[row - 1].advanced).toBe(true);
    s = run(s, { type: 'review-move', by: row });
    expect(s.reviewCursor).toBe(row);
    s = reducer(s, { type: 'review-choose' });
    expect(s).toMatchObject({ step: 'questions', editing: 'inet_protocols', index: row - 1 });
    // Only the question on the screen can be answered.
    expect(reducer(s, { type: 'answer', key: 'postmaster', value: 'x', questions: qs })).toBe(s);
    s = reducer(s, {
      type: 'answer',
      key: 'inet_protocols',
      value: 'all',
      questions: realQs('mail-server', { inet_protocols: 'all' }),
    });
    expect(s).toMatchObject({ step: 'review', editing: null, reviewCursor: row });
    expect(s.edited).toContain('inet_protocols');
    s = run(s, { type: 'review-move', by: -100 }, { type: 'review-choose' });
    expect(answersForPlan(s).inet_protocols).toBe('all');
  });

  test('Esc: a setting opened on the review back to it (draft kept); the review to the last question asked; the preview to the review', () => {
    let { s } = acceptAll(start('null-client'), 'null-client', ANSWERS['null-client']);
    const qs = s.questions ?? [];
    const row = qs.findIndex((q) => q.key === 'mydomain') + 1;
    s = run(s, { type: 'review-move', by: row }, { type: 'review-choose' });
    s = reducer(s, { type: 'back', draft: 'typed.example' });
    expect(s).toMatchObject({ step: 'review', editing: null });
    expect(s.drafts.mydomain).toBe('typed.example');
    s = reducer(s, { type: 'back' });
    const lastAsked = qs.map((q) => !q.advanced).lastIndexOf(true);
    expect(s).toMatchObject({ step: 'questions', index: lastAsked, editing: null });
    // Back again skips the questions not asked.
    const before = reducer(s, { type: 'back' });
    expect(before.questions?.[before.index].advanced).toBe(false);
    expect(before.index).toBeLessThan(lastAsked);
    // Forward to the review and the preview, then Esc from the preview returns to the review.
    s = acceptAll(before, 'null-client', ANSWERS['null-client']).s;
    s = reducer(s, { type: 'review-choose' });
    s = reducer(s, { type: 'planned', request: s.planRequest, plan: fakePlan({ role: 'null-client' }) });
    expect(s.step).toBe('preview');
    expect(reducer(s, { type: 'back' })).toMatchObject({ step: 'review', reviewCursor: 0, plan: null });
  });

  test('the review cursor stays within its rows; it only moves on the review', () => {
    const { s } = acceptAll(start('backup-mx'), 'backup-mx', ANSWERS['backup-mx']);
    const rows = (s.questions ?? []).length + 1;
    expect(run(s, { type: 'review-move', by: 1000 }).reviewCursor).toBe(rows - 1);
    expect(run(s, { type: 'review-move', by: -5 }).reviewCursor).toBe(0);
    const q = start('backup-mx');
    expect(reducer(q, { type: 'review-move', by: 1 })).toBe(q);
    expect(reducer(q, { type: 'review-choose' })).toBe(q);
  });

  test('a default that does not fit makes its question asked: a host name without a dot asks for the domain', () => {
    const qs = realQs('mail-server', { myhostname: 'vm' });
    expect(qs.find((q) => q.key === 'mydomain')?.advanced).toBe(false);
    expect(realQs('mail-server').find((q) => q.key === 'mydomain')?.advanced).toBe(true);
  });

  test('a re-run keeps the current value of every setting not asked; nothing is reset', () => {
    const current: Partial<Answers> = {
      role: 'mail-server',
      myhostname: 'mx.example.com',
      postmaster: 'alice',
      inet_protocols: 'all',
      notify_classes: ['resource', 'software', 'bounce'],
      chroot: false,
    };
    const qs = realQs('mail-server', {}, current);
    const byKey = (k: string) => qs.find((q) => q.key === k);
    for (const k of ['inet_protocols', 'notify_classes', 'chroot'] as const) {
      expect(byKey(k)?.advanced, k).toBe(true);
      expect(byKey(k)?.default, k).toEqual(current[k]);
      expect(byKey(k)?.origin, k).toBe('the current value');
    }
  });

  test('the review rows: every setting, its value and its origin; the cursor row marked; fits 80 columns', () => {
    let { s } = acceptAll(start('null-client'), 'null-client', ANSWERS['null-client']);
    const qs = s.questions ?? [];
    const rows = qs.map((q) => ({
      question: q,
      value: currentValue(s, q),
      origin: reviewOrigin(q, s.edited.includes(q.key), !q.advanced),
    }));
    const lines = reviewLines(rows, 0, 79);
    expect(lines[0]).toBe(`› ${REVIEW_CONTINUE}`);
    expect(lines).toHaveLength(qs.length + 1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(79);
    const relay = lines.find((l) => l.includes('relayhost'));
    expect(relay).toMatch(/^ {2}relayhost +\[smtp\.example\.net\]:587 +you set$/);
    expect(lines.find((l) => / inet_protocols /.test(l))).toMatch(/ default$/);
    s = run(s, { type: 'review-move', by: 2 });
    expect(reviewLines(rows, 2, 79)[2]).toMatch(/^› /);
    expect(reviewOrigin({ ...qs[0], origin: 'the current value' }, false, false)).toBe('current');
    expect(reviewOrigin({ ...qs[0], origin: 'the answers given (--answers)' }, false, false)).toBe('answers');
    expect(reviewOrigin(qs[0], false, true)).toBe('asked');
  });
});
