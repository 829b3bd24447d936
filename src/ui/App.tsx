/**
 * The wizard: header, role, questions, preview, apply, summary. State lives in machine.ts, effects
 * in driver.ts, keys in ./input/ (one reader of the terminal, one input owner per screen); this
 * component only picks the screen for the step and sizes it to the terminal. Ctrl-C before the
 * apply starts ends the wizard with exit code 130 and nothing written.
 */
import { useContext, useEffect, useRef } from 'react';
import { Box, Text, useApp } from 'ink';
import type { WizardBackend } from './backend.js';
import { useWizard } from './driver.js';
import { askedPosition, currentValue, isAsked, type WizardState } from './machine.js';
import { ReviewScreen, reviewOrigin } from './ReviewScreen.js';
import { Header } from './Header.js';
import { InputProvider } from './input/InputProvider.js';
import { frameHeight } from './layout.js';
import { RoleScreen } from './RoleScreen.js';
import { QuestionScreen } from './QuestionScreen.js';
import { PreviewScreen } from './PreviewScreen.js';
import { ApplyScreen } from './ApplyScreen.js';
import { RootContext, SummaryScreen } from './SummaryScreen.js';
import { Spinner } from './Spinner.js';
import { ColorContext, useColor, useTerminalSize } from './style.js';
import type { WizardActions } from './driver.js';

export interface AppProps {
  backend: WizardBackend;
  /** Use colours (default true). */
  color?: boolean;
  /** Called once with the exit code when the wizard ends. */
  onExit?(code: number): void;
  /** The --root sandbox (undefined: the live system), named in the undo and check hints. */
  root?: string;
}

/** The title of the chosen role, e.g. "Null client (null-client)". */
function roleTitle(state: WizardState): string {
  const info = state.roles.find((r) => r.id === state.role);
  return info === undefined ? (state.role ?? '') : `${info.title} (${info.id})`;
}

interface ScreenProps {
  state: WizardState;
  actions: WizardActions;
  rows: number;
  columns: number;
}

/** The screen for the current step. */
function Screen({ state, actions, rows, columns }: ScreenProps) {
  const tint = useColor();
  const root = useContext(RootContext);
  const compact = <Header host={state.host} detection={state.detection} />;
  // Below the one-line header of the later screens.
  const height = frameHeight(rows) - 1;

  if (state.fatal !== null) {
    return (
      <Text color={tint('red')} bold>
        ✗ {state.fatal}
      </Text>
    );
  }
  if (state.exitCode === 130) return <Text>Cancelled: nothing was written.</Text>;

  switch (state.step) {
    case 'role':
      return (
        <RoleScreen
          roles={state.roles}
          index={state.roleCursor}
          detection={state.detection}
          host={state.host}
          probes={state.probes}
          rows={rows}
          columns={columns}
          onMove={actions.moveRole}
          onChoose={actions.chooseRole}
        />
      );
    case 'questions': {
      const q = state.questions?.[state.index];
      return (
        <Box flexDirection="column">
          {compact}
          {state.questions === null || q === undefined ? (
            <Text>
              <Spinner /> {state.host === null ? 'Probing the host…' : 'Reading the current configuration…'}
            </Text>
          ) : (
            <QuestionScreen
              key={`${state.role ?? ''}:${q.key}`}
              question={q}
              value={currentValue(state, q)}
              draft={state.drafts[q.key]}
              position={state.editing !== null ? 0 : askedPosition(state.questions, state.index).position}
              total={askedPosition(state.questions, state.index).total}
              roleTitle={roleTitle(state)}
              height={height}
              columns={columns}
              onSubmit={(v) => actions.answer(q.key, v)}
              onBack={actions.back}
            />
          )}
        </Box>
      );
    }
    case 'review': {
      const questions = state.questions ?? [];
      return (
        <Box flexDirection="column">
          {compact}
          <ReviewScreen
            rows={questions.map((q) => ({
              question: q,
              value: currentValue(state, q),
              origin: reviewOrigin(q, state.edited.includes(q.key), isAsked(q)),
            }))}
            cursor={state.reviewCursor}
            roleTitle={roleTitle(state)}
            asked={questions.filter(isAsked).length}
            height={height}
            columns={columns}
            onMove={actions.moveReview}
            onChoose={actions.chooseReview}
            onBack={() => actions.back()}
          />
        </Box>
      );
    }
    case 'planning':
    case 'preview':
      return (
        <Box flexDirection="column">
          {compact}
          <PreviewScreen
            key={state.planRequest}
            plan={state.plan}
            planError={state.planError}
            context={{
              ...(state.detection === null ? {} : { current: state.detection.role }),
              ...(root === undefined ? {} : { sandbox: root }),
            }}
            failure={state.failure}
            height={height}
            width={Math.max(20, columns - 1)}
            onConfirm={actions.confirm}
            onBack={() => actions.back()}
            onOverride={actions.override}
          />
        </Box>
      );
    case 'applying':
      return (
        <Box flexDirection="column">
          {compact}
          <ApplyScreen events={state.events} height={Math.max(3, height - 1)} />
        </Box>
      );
    case 'summary':
      return (
        <Box flexDirection="column">
          {compact}
          <SummaryScreen plan={state.plan} result={state.result} roleTitle={roleTitle(state)} height={height} />
        </Box>
      );
  }
}

/** The wizard application. */
export function App({ backend, color = true, onExit, root }: AppProps) {
  const [state, actions] = useWizard(backend);
  const { exit } = useApp();
  const { rows, columns } = useTerminalSize();
  const ended = useRef(false);
  useEffect(() => {
    if (state.exitCode === null || ended.current) return;
    ended.current = true;
    onExit?.(state.exitCode);
    exit();
  }, [state.exitCode, onExit, exit]);
  return (
    <ColorContext.Provider value={color}>
      <RootContext.Provider value={root}>
        <InputProvider onInterrupt={actions.cancel}>
          <Screen state={state} actions={actions} rows={rows} columns={columns} />
        </InputProvider>
      </RootContext.Provider>
    </ColorContext.Provider>
  );
}
