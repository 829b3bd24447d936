/**
 * The end: what changed, where the backup is, how to undo (`mailsetup --rollback`) and how to
 * check (`postconf -n`, `mailsetup --verify`); the commands that ran and those skipped (a --root
 * sandbox never touches the daemons); after a failure, the error, the steps with the
 * rollback that followed, and the backup path.
 */
import { createContext, useContext } from 'react';
import { Box, Text } from 'ink';
import type { Plan } from '../model/plan.js';
import { describeAction } from '../model/plan.js';
import type { ApplyResult } from './backend.js';
import { EventList } from './ApplyScreen.js';
import { useColor } from './style.js';

export interface SummaryScreenProps {
  plan: Plan | null;
  /** null when there was nothing to apply. */
  result: ApplyResult | null;
  roleTitle: string;
  height: number;
}

/** The line on how to check the result. */
/** The --root sandbox the wizard works in (undefined: the live system), for the hints. */
export const RootContext = createContext<string | undefined>(undefined);

function CheckLines() {
  const root = useContext(RootContext);
  return (
    <Text>
      {'Check:   '}
      {root === undefined ? 'postconf -n · mailsetup --verify' : `postconf -c ${root}/etc/postfix -n`}
    </Text>
  );
}

function UndoLine() {
  const root = useContext(RootContext);
  return (
    <Text>
      {'Undo:    mailsetup --rollback'}
      {root === undefined ? '' : ` --root ${root}`}
    </Text>
  );
}

/** What happened to each file of the plan. */
function fileWord(before: string | null, after: string | null): string {
  if (before === null) return 'created';
  if (after === null) return 'removed';
  return 'changed';
}

/** The summary screen. */
export function SummaryScreen({ plan, result, roleTitle, height }: SummaryScreenProps) {
  const tint = useColor();
  const root = useContext(RootContext);
  if (result === null) {
    return (
      <Box flexDirection="column">
        <Text color={tint('green')} bold>
          ✓ Nothing to change: the configuration already matches these answers ({roleTitle}).
        </Text>
        <CheckLines />
      </Box>
    );
  }
  // What postfix check warned of is a finding (its id says so); other warnings as they are.
  const findings = result.findings ?? [];
  const warnings = [
    ...findings.map((f, i) => (
      <Text key={`f${i}`} color={tint('yellow')}>
        ⚠ {f.id}: {f.message}
      </Text>
    )),
    ...result.warnings
      .filter((w) => !findings.some((f) => f.message === w))
      .map((w, i) => (
        <Text key={i} color={tint('yellow')}>
          ⚠ {w}
        </Text>
      )),
  ];
  if (!result.ok) {
    return (
      <Box flexDirection="column">
        <Text color={tint('red')} bold>
          ✗ Apply failed: {result.error ?? 'unknown error'}
        </Text>
        <EventList events={result.events} height={Math.max(3, height - 6)} />
        {result.rolledBack ? (
          <Text color={tint('yellow')}>
            ↺ Rolled back: the earlier files are back in place; nothing was left changed.
          </Text>
        ) : (
          <Text color={tint('red')}>Not rolled back: restore the earlier files with `mailsetup --rollback`.</Text>
        )}
        {result.backupDir !== undefined && (
          <Text>
            {'Backup:  '}
            {result.backupDir}
          </Text>
        )}
        {warnings}
        <CheckLines />
      </Box>
    );
  }
  // The plan's commands that ran, and those the apply skipped (under --root, the restarts).
  const steps = new Map(result.events.map((e) => [e.id, e]));
  const ran = (plan?.actions ?? []).filter((a) => steps.get(describeAction(a).stepId)?.status !== 'skipped');
  const skipped = (plan?.actions ?? []).flatMap((action) => {
    const event = steps.get(describeAction(action).stepId);
    return event?.status === 'skipped' ? [{ action, event }] : [];
  });
  return (
    <Box flexDirection="column">
      <Text color={tint('green')} bold>
        ✓ Done: {root === undefined ? 'this host' : `the sandbox ${root}`} is now configured as {roleTitle}.
      </Text>
      {!result.changed && <Text>Nothing needed changing.</Text>}
      {result.changed && plan !== null && plan.files.length > 0 && (
        <>
          <Text>Changed:</Text>
          {plan.files.map((f) => (
            <Text key={f.path}>
              {'  '}
              {f.path} ({fileWord(f.before, f.after)})
            </Text>
          ))}
        </>
      )}
      {ran.length > 0 && (
        <Text wrap="truncate-end">
          {'Ran:     '}
          {ran.map((a) => describeAction(a).command).join(' · ')}
        </Text>
      )}
      {skipped.map(({ action, event }) => (
        <Text key={event.id} color={tint('gray')} wrap="truncate-end">
          Skipped: {describeAction(action).command}
          {event.detail !== undefined ? ` (${event.detail})` : ''}
        </Text>
      ))}
      {result.backupDir !== undefined && (
        <Text>
          {'Backup:  '}
          {result.backupDir}
        </Text>
      )}
      <UndoLine />
      <CheckLines />
      {warnings}
    </Box>
  );
}
