/**
 * One question: its label, its `explain` line, the default, and the field for its kind (text,
 * list/map as a ListEditor, boolean y/n, choice as a list, secret masked). Enter validates with
 * question.validate and shows the exact message under the field without advancing; Esc goes back.
 * `?` opens the question's longer help (what, when to change it, the seed's advice, postconf(5))
 * in place of its one-line explanation; the field waits underneath, with what was typed, and `?`,
 * Esc or Enter close the help. In a secret's field `?` is typed like any other key.
 */
import { useCallback, useContext, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { AnswerValue, Question, SaslAnswers } from '../model/answers.js';
import { entriesToMap, formatValue, isEmptyValue, isSasl, isSaslQuestion, toEntries } from './format.js';
import { ListEditor } from './ListEditor.js';
import { SelectList } from './SelectList.js';
import { TextField } from './TextField.js';
import { HELP_KEY, InputPaused, useColor } from './style.js';

/** Shown when a required question gets an empty answer its validate() accepted. */
export const REQUIRED_MESSAGE = 'An answer is required.';

export interface QuestionScreenProps {
  question: Question;
  /** The value to start from: the answer given before, else the question's default. */
  value: AnswerValue;
  position: number; // 1-based
  total: number;
  roleTitle: string;
  /** Rows the field may use (list editors scroll beyond). */
  maxRows: number;
  onSubmit(value: AnswerValue): void;
  onBack(): void;
}

/** Props every field gets. */
interface FieldProps {
  question: Question;
  value: AnswerValue;
  maxRows: number;
  /** Validate and submit; returns false when refused (the message is shown). */
  submit(value: AnswerValue): boolean;
  /** Show an error without validating (a field's own parse error). */
  fail(message: string): void;
  clear(): void;
  onBack(): void;
}

/** Esc → back, for fields that have no other use for it. */
function useEscape(onBack: () => void): void {
  const paused = useContext(InputPaused);
  useInput(
    (_input, key) => {
      if (key.escape) onBack();
    },
    { isActive: !paused },
  );
}

/** Free text; the value is trimmed. */
function PlainField({ value, submit, clear, onBack }: FieldProps) {
  useEscape(onBack);
  return (
    <Box>
      <Text>{'> '}</Text>
      <TextField
        defaultValue={typeof value === 'string' ? value : ''}
        onChange={clear}
        onSubmit={(v) => submit(v.trim())}
      />
    </Box>
  );
}

/** y / n answer at once; Enter takes the value shown; ←/→ toggle. */
function BooleanField({ value, submit, onBack }: FieldProps) {
  const [on, setOn] = useState(value === true);
  const tint = useColor();
  const paused = useContext(InputPaused);
  useInput(
    (input, key) => {
      if (key.escape) onBack();
      else if (input === 'y' || input === 'Y') submit(true);
      else if (input === 'n' || input === 'N') submit(false);
      else if (key.leftArrow || key.rightArrow) setOn(!on);
      else if (key.return) submit(on);
    },
    { isActive: !paused },
  );
  return (
    <Text>
      {'> '}
      <Text inverse={on} color={on ? tint('cyan') : undefined}>
        {' yes '}
      </Text>{' '}
      <Text inverse={!on} color={!on ? tint('cyan') : undefined}>
        {' no '}
      </Text>
      <Text color={tint('gray')}> (y/n, or Enter for {on ? 'yes' : 'no'})</Text>
    </Text>
  );
}

/** One of the question's choices. */
function ChoiceField({ question, value, submit, onBack }: FieldProps) {
  const choices = question.choices ?? [];
  const [index, setIndex] = useState(
    Math.max(
      0,
      choices.findIndex((c) => c.value === value),
    ),
  );
  useEscape(onBack);
  return (
    <SelectList
      items={choices.map((c) => ({
        value: c.value,
        label: c.label,
        hint: c.label === c.value ? undefined : `(${c.value})`,
      }))}
      index={index}
      onMove={setIndex}
      onSubmit={(i) => submit(choices[i].value)}
    />
  );
}

/** A list, or a map edited as "key value" entries. */
function EntriesField({ question, value, maxRows, submit, fail, clear, onBack }: FieldProps) {
  const isMap = question.kind === 'map';
  return (
    <ListEditor
      initial={toEntries(value)}
      format={isMap ? 'key value (e.g. example.com relay:[10.0.0.5])' : undefined}
      maxRows={maxRows}
      onEdit={clear}
      onBack={onBack}
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

/** A masked secret; empty keeps the current one when there is one. */
function SecretField({ value, submit, clear, onBack }: FieldProps) {
  const tint = useColor();
  const current = typeof value === 'string' && value !== '' ? value : undefined;
  useEscape(onBack);
  return (
    <Box flexDirection="column">
      <Box>
        <Text>{'> '}</Text>
        <TextField mask onChange={clear} onSubmit={(v) => submit(v === '' ? current : v)} />
      </Box>
      {current !== undefined && <Text color={tint('gray')}>leave empty to keep the current value</Text>}
    </Box>
  );
}

/** SASL credentials: the user name, then the password (masked). An empty user name means no SASL. */
function SaslField({ question, value, submit, fail, clear, onBack }: FieldProps) {
  const tint = useColor();
  const current: SaslAnswers | undefined = isSasl(value) ? value : undefined;
  const [stage, setStage] = useState<'user' | 'password'>('user');
  const [username, setUsername] = useState(current?.username ?? '');
  const keeps = current !== undefined && (current.password !== undefined || current.password_file !== undefined);
  const paused = useContext(InputPaused);
  useInput(
    (_input, key) => {
      if (!key.escape) return;
      if (stage === 'password') {
        clear();
        setStage('user');
      } else onBack();
    },
    { isActive: !paused },
  );
  if (stage === 'user') {
    return (
      <Box flexDirection="column">
        <Box>
          <Text>user name: </Text>
          <TextField
            key="user"
            defaultValue={username}
            onChange={clear}
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

/** The longer help of a question, in place of its one-line explanation. */
function Help({ question }: { question: Question }) {
  const tint = useColor();
  return (
    <Box flexDirection="column" borderStyle="single" borderColor={tint('cyan')} paddingX={1}>
      {question.help.map((paragraph, i) => (
        <Text key={i} wrap="wrap">
          {paragraph}
        </Text>
      ))}
      <Text color={tint('gray')}>? Esc or Enter close this help</Text>
    </Box>
  );
}

/** The question screen. */
export function QuestionScreen({
  question,
  value,
  position,
  total,
  roleTitle,
  maxRows,
  onSubmit,
  onBack,
}: QuestionScreenProps) {
  const tint = useColor();
  const [error, setError] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  // `?` opens the help (not in a secret: there it is typed); while open, it has the keys.
  useInput((input, key) => {
    if (help) {
      if (input === HELP_KEY || key.escape || key.return) setHelp(false);
    } else if (input === HELP_KEY && question.kind !== 'secret' && question.help.length > 0) setHelp(true);
  });
  // Stable: text inputs call it from an effect that reruns whenever the callback changes.
  const clear = useCallback(() => setError(null), []);
  const submit = (v: AnswerValue): boolean => {
    const message = question.validate(v) ?? (isEmptyValue(v) && !question.optional ? REQUIRED_MESSAGE : null);
    setError(message);
    if (message !== null) return false;
    onSubmit(v);
    return true;
  };
  const simpleKeys =
    question.kind === 'list' || question.kind === 'map'
      ? null
      : question.kind === 'choice'
        ? '↑/↓ move · Enter choose · Esc back'
        : question.kind === 'boolean'
          ? 'y yes · n no · Enter keep · Esc back'
          : 'Enter accept · Esc back';
  return (
    <Box flexDirection="column">
      <Text color={tint('gray')}>
        {roleTitle} · question {position} of {total}
      </Text>
      <Text>
        <Text bold>{question.label}</Text>
        <Text color={tint('gray')}> ({question.param})</Text>
      </Text>
      {help ? <Help question={question} /> : <Text color={tint('gray')}>{question.explain}</Text>}
      <Text color={tint('gray')}>
        default: {formatValue(question, question.default)} · {question.origin}
      </Text>
      <Box marginTop={1} flexDirection="column">
        <InputPaused.Provider value={help}>
          <Field
            question={question}
            value={value}
            maxRows={maxRows}
            submit={submit}
            fail={setError}
            clear={clear}
            onBack={onBack}
          />
        </InputPaused.Provider>
      </Box>
      {error !== null && <Text color={tint('red')}>✗ {error}</Text>}
      {simpleKeys !== null && (
        <Text color={tint('gray')}>
          {simpleKeys}
          {question.kind !== 'secret' && question.help.length > 0 ? ' · ? help' : ''} · Ctrl-C quit without writing
        </Text>
      )}
    </Box>
  );
}
