/**
 * One question: its label, its `explain` line, the default, and the field for its kind (text,
 * list/map as a ListEditor, boolean y/n, choice as a list, secret masked). The field is the
 * screen's one input owner. Enter validates with question.validate (the planner's own rules) and
 * shows the exact message under the field without advancing; Esc goes back, keeping what was
 * typed (it is shown again when the question comes back). `?` (or F1) opens the question's longer
 * help (what, when to change it, the seed's advice, postconf(5)) in place of its one-line
 * explanation: while it is open it is the input owner, and the field waits underneath with what
 * was typed; `?`, F1, Esc or Enter close it. In a secret's field `?` is typed like any other key
 * (F1 opens the help there).
 */
import { useCallback, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { AnswerValue, Question, SaslAnswers } from '../model/answers.js';
import { select, yesNo } from './edit/choice.js';
import { entriesToMap, formatValue, isEmptyValue, isSasl, isSaslQuestion, toEntries } from './format.js';
import { useKeys } from './input/InputProvider.js';
import { isHelpKey } from './input/keys.js';
import { wrapText } from './layout.js';
import { ListEditor } from './ListEditor.js';
import type { Draft } from './machine.js';
import { SelectList } from './SelectList.js';
import { TextField } from './TextField.js';
import { useColor } from './style.js';

/** Shown when a required question gets an empty answer its validate() accepted. */
export const REQUIRED_MESSAGE = 'An answer is required.';

export interface QuestionScreenProps {
  question: Question;
  /** The value to start from: the answer given before, else the question's default. */
  value: AnswerValue;
  /** What was typed before leaving the question with Esc: shown instead of `value`. */
  draft?: Draft;
  /** Its place on the short path (1-based), or 0 for a setting opened from the review. */
  position: number;
  total: number;
  roleTitle: string;
  /** Lines the screen may take. */
  height: number;
  columns: number;
  onSubmit(value: AnswerValue): void;
  /** Esc: back a question, with what was typed. */
  onBack(draft?: Draft): void;
}

/** Props every field gets. */
interface FieldProps {
  question: Question;
  value: AnswerValue;
  draft?: Draft;
  /** Lines the field may take. */
  height: number;
  columns: number;
  /** Validate and submit; returns false when refused (the message is shown). */
  submit(value: AnswerValue): boolean;
  /** Show an error without validating (a field's own parse error). */
  fail(message: string): void;
  clear(): void;
  onBack(draft?: Draft): void;
  /** Open the question's help (`?` alone, F1); undefined: the question has none. */
  onHelp?(): void;
}

/** Free text; the value is trimmed. */
function PlainField({ value, draft, submit, clear, onBack, onHelp }: FieldProps) {
  const start = typeof draft === 'string' ? draft : typeof value === 'string' ? value : '';
  return (
    <Box>
      <Box flexShrink={0}>
        <Text>{'> '}</Text>
      </Box>
      <TextField
        defaultValue={start}
        onChange={clear}
        onSubmit={(v) => submit(v.trim())}
        onHelp={onHelp}
        // What was typed is kept; a field left as it came keeps following its default.
        onEscape={(v) => onBack(v === start ? undefined : v)}
      />
    </Box>
  );
}

/** y / n answer at once; Enter takes the value shown; ←/→ (or Space) switch. */
function BooleanField({ value, submit, onBack, onHelp }: FieldProps) {
  const [on, setOn] = useState(value === true);
  const latest = useRef(on);
  const tint = useColor();
  useKeys((key) => {
    if (onHelp !== undefined && isHelpKey(key)) {
      onHelp();
      return;
    }
    const r = yesNo(latest.current, key);
    if (r.on !== latest.current) {
      latest.current = r.on;
      setOn(r.on);
    }
    if (r.submit) submit(r.on);
    else if (r.back) onBack();
  });
  // The selected answer in brackets, so that it shows without colours or reverse video too.
  return (
    <Text>
      {'> '}
      <Text inverse={on} color={on ? tint('cyan') : undefined} bold={on}>
        {on ? '[yes]' : ' yes '}
      </Text>{' '}
      <Text inverse={!on} color={!on ? tint('cyan') : undefined} bold={!on}>
        {on ? ' no ' : '[no]'}
      </Text>
      <Text color={tint('gray')}> (y/n, or Enter for {on ? 'yes' : 'no'})</Text>
    </Text>
  );
}

/** One of the question's choices. */
function ChoiceField({ question, value, submit, onBack, onHelp }: FieldProps) {
  const choices = question.choices ?? [];
  const [index, setIndex] = useState(() =>
    Math.max(
      0,
      choices.findIndex((c) => c.value === value),
    ),
  );
  const latest = useRef(index);
  useKeys((key) => {
    if (onHelp !== undefined && isHelpKey(key)) {
      onHelp();
      return;
    }
    const r = select(latest.current, choices.length, key);
    if (r.index !== latest.current) {
      latest.current = r.index;
      setIndex(r.index);
    }
    if (r.submit) submit(choices[r.index].value);
    else if (r.back) onBack();
  });
  return (
    <SelectList
      items={choices.map((c) => ({
        value: c.value,
        label: c.label,
        // The value in parentheses, unless the label already says it (`… (mynetworks_style = host)`) or it is empty.
        hint: c.label === c.value || c.value === '' || c.label.includes(`= ${c.value})`) ? undefined : `(${c.value})`,
      }))}
      index={index}
    />
  );
}

/** A list, or a map edited as "key value" entries. */
function EntriesField({ question, value, draft, height, columns, submit, fail, clear, onBack, onHelp }: FieldProps) {
  const isMap = question.kind === 'map';
  const initial = Array.isArray(draft) ? draft : toEntries(value);
  return (
    <ListEditor
      initial={initial}
      format={isMap ? 'key value (e.g. example.com relay:[10.0.0.5])' : undefined}
      height={height}
      columns={columns}
      onEdit={clear}
      onHelp={onHelp}
      onBack={(entries) => onBack(sameEntries(entries, initial) ? undefined : entries)}
      onSubmit={(entries) => {
        if (!isMap) {
          submit(entries);
          return;
        }
        const parsed = entriesToMap(entries);
        if ('error' in parsed) fail(parsed.error);
        else submit(parsed.value);
      }}
    />
  );
}

function sameEntries(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A masked secret; empty keeps the current one when there is one. */
function SecretField({ value, submit, clear, onBack, onHelp }: FieldProps) {
  const tint = useColor();
  const current = typeof value === 'string' && value !== '' ? value : undefined;
  return (
    <Box flexDirection="column">
      <Box>
        <Text>{'> '}</Text>
        <TextField
          mask
          onChange={clear}
          onSubmit={(v) => submit(v === '' ? current : v)}
          onEscape={() => onBack()}
          onHelp={onHelp}
        />
      </Box>
      {current !== undefined && <Text color={tint('gray')}>leave empty to keep the current value</Text>}
    </Box>
  );
}

/** SASL credentials: the user name, then the password (masked). An empty user name means no SASL. */
function SaslField({ question, value, draft, submit, fail, clear, onBack, onHelp }: FieldProps) {
  const tint = useColor();
  const current: SaslAnswers | undefined = isSasl(value) ? value : undefined;
  const [stage, setStage] = useState<'user' | 'password'>('user');
  const [username, setUsername] = useState(typeof draft === 'string' ? draft : (current?.username ?? ''));
  const keeps = current !== undefined && (current.password !== undefined || current.password_file !== undefined);
  if (stage === 'user') {
    return (
      <Box flexDirection="column">
        <Box>
          <Text>user name: </Text>
          <TextField
            key="user"
            defaultValue={username}
            onChange={clear}
            onHelp={onHelp}
            // A login's fields take `?` as text, the password's and the user name's alike: F1 is its help.
            questionMarkIsText
            onEscape={(v) => onBack(v === (current?.username ?? '') ? undefined : v)}
            onSubmit={(v) => {
              const u = v.trim();
              setUsername(u);
              if (u === '') {
                if (question.optional) submit(undefined);
                else fail(REQUIRED_MESSAGE);
                return;
              }
              setStage('password');
            }}
          />
        </Box>
        <Text color={tint('gray')}>{question.optional ? 'leave empty for no SMTP authentication' : ' '}</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text>user name: {username}</Text>
      <Box>
        <Text>password: </Text>
        <TextField
          mask
          key="password"
          onChange={clear}
          onHelp={onHelp}
          onEscape={() => {
            clear();
            setStage('user');
          }}
          onSubmit={(p) => {
            if (p !== '') {
              submit({ username, password: p });
            } else if (keeps && current !== undefined) {
              const kept: SaslAnswers = { username };
              if (current.password !== undefined) kept.password = current.password;
              if (current.password_file !== undefined) kept.password_file = current.password_file;
              submit(kept);
            } else fail('Enter the password.');
          }}
        />
      </Box>
      <Text color={tint('gray')}>
        {keeps ? 'leave empty to keep the current password · ' : ''}Esc back to the user name
      </Text>
    </Box>
  );
}

/** The field for a question's kind. */
function Field(props: FieldProps) {
  const q = props.question;
  if (q.kind === 'secret') return isSaslQuestion(q) ? <SaslField {...props} /> : <SecretField {...props} />;
  if (q.kind === 'list' || q.kind === 'map') return <EntriesField {...props} />;
  if (q.kind === 'boolean') return <BooleanField {...props} />;
  if (q.kind === 'choice') return <ChoiceField {...props} />;
  return <PlainField {...props} />;
}

/** Gray lines, one Text each. */
function Lines({ lines, color }: { lines: string[]; color?: 'gray' | 'red' }) {
  const tint = useColor();
  return (
    <>
      {lines.map((line, i) => (
        <Text key={i} color={color === undefined ? undefined : tint(color)} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </>
  );
}

/** The fewest lines the field of `q` takes (a list scrolls within what it gets). */
function fieldNeeds(q: Question): number {
  if (q.kind === 'secret') return isSaslQuestion(q) ? 3 : 2;
  if (q.kind === 'choice') return Math.max(1, q.choices?.length ?? 1);
  if (q.kind === 'list' || q.kind === 'map') return 4;
  return 1;
}

/** The key that closes the help: it has the keys while open, the field waits underneath. */
function HelpKeys({ onClose }: { onClose(): void }) {
  useKeys((key) => {
    if (isHelpKey(key) || key.name === 'escape' || key.name === 'return') onClose();
  });
  return null;
}

/**
 * The help's lines: its paragraphs wrapped inside a frame of `columns` (a border and a space each
 * side), at most `max` of them with the closing line (the cut marked "…").
 */
export function helpLines(help: string[], columns: number, max: number): string[] {
  const width = Math.max(10, columns - 4);
  const body = help.flatMap((p) => wrapText(p, width));
  const room = Math.max(1, max - 1);
  const shown = body.length > room ? [...body.slice(0, Math.max(0, room - 1)), '…'] : body;
  return [...shown, '? Esc or Enter close this help'];
}

/** The question screen. */
export function QuestionScreen({
  question,
  value,
  draft,
  position,
  total,
  roleTitle,
  height,
  columns,
  onSubmit,
  onBack,
}: QuestionScreenProps) {
  const tint = useColor();
  const [error, setError] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  const openHelp = question.help.length > 0 ? () => setHelp(true) : undefined;
  // Stable: text inputs call it from an effect that reruns whenever the callback changes.
  const clear = useCallback(() => setError(null), []);
  const submit = (v: AnswerValue): boolean => {
    const message = question.validate(v) ?? (isEmptyValue(v) && !question.optional ? REQUIRED_MESSAGE : null);
    setError(message);
    if (message !== null) return false;
    onSubmit(v);
    return true;
  };
  const helpHint = openHelp === undefined ? '' : question.kind === 'secret' ? ' · F1 help' : ' · ? help';
  const simpleKeys =
    question.kind === 'list' || question.kind === 'map'
      ? null
      : (question.kind === 'choice'
          ? '↑/↓ move · Enter choose · Esc back'
          : question.kind === 'boolean'
            ? 'y yes · n no · Enter keep · Esc back'
            : 'Enter accept · Esc back') +
        helpHint +
        ' · Ctrl-C quit without writing';
  // The label, then the Postfix name it sets (on the label's last line when it fits).
  const label = wrapText(question.label, columns);
  const param = `(${question.param})`;
  const paramapart = label[label.length - 1].length + 1 + param.length > columns;
  const def = wrapText(`default: ${formatValue(question, question.default)} · ${question.origin}`, columns);
  const errorLines = error === null ? [] : wrapText(`✗ ${error}`, columns);
  const keysLines = simpleKeys === null ? [] : wrapText(simpleKeys, columns);
  const fixed = 1 + label.length + (paramapart ? 1 : 0) + def.length + 1 + errorLines.length + keysLines.length;
  // The help, in place of the explanation, takes what the field (3 lines at least) leaves.
  const explain = help
    ? helpLines(question.help, columns, Math.max(2, height - fixed - fieldNeeds(question) - 2))
    : wrapText(question.explain, columns);
  const explainHeight = explain.length + (help ? 2 : 0);
  // What the field may take: the rest of the screen.
  const fieldHeight = Math.max(3, height - fixed - explainHeight);
  return (
    <Box flexDirection="column">
      <Text color={tint('gray')} wrap="truncate-end">
        {roleTitle} · {position > 0 ? `question ${position} of ${total}` : 'setting from the review'}
      </Text>
      {label.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          <Text bold>{line}</Text>
          {i === label.length - 1 && !paramapart && <Text color={tint('gray')}> {param}</Text>}
        </Text>
      ))}
      {paramapart && (
        <Text color={tint('gray')} wrap="truncate-end">
          {param}
        </Text>
      )}
      {help ? (
        <Box flexDirection="column" borderStyle="single" borderColor={tint('cyan')} paddingX={1}>
          <HelpKeys onClose={() => setHelp(false)} />
          {explain.map((line, i) => (
            <Text key={i} color={i === explain.length - 1 ? tint('gray') : undefined} wrap="truncate-end">
              {line}
            </Text>
          ))}
        </Box>
      ) : (
        <Lines lines={explain} color="gray" />
      )}
      <Lines lines={def} color="gray" />
      <Box marginTop={1} flexDirection="column">
        <Field
          question={question}
          value={value}
          draft={draft}
          height={fieldHeight}
          columns={columns}
          submit={submit}
          fail={setError}
          clear={clear}
          onBack={onBack}
          onHelp={openHelp}
        />
      </Box>
      <Lines lines={errorLines} color="red" />
      <Lines lines={keysLines} color="gray" />
    </Box>
  );
}
