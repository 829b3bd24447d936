/**
 * The apply, live: one row per step (spinner while running, ✓ done, ✗ failed with its detail,
 * ↺ rolled back, – skipped). Ctrl-C is ignored while it runs: an interrupted apply could leave
 * files half written, and the engine rolls back by itself on failure.
 */
import { Box, Text } from 'ink';
import type { StepEvent } from './backend.js';
import { Spinner } from './Spinner.js';
import { useColor } from './style.js';
import { STEP_MARKS } from '../output/steps.js';
import { STYLES } from '../output/styled.js';

const SUFFIX: Record<StepEvent['status'], string> = {
  running: '',
  ok: '',
  failed: '',
  skipped: ' (skipped)',
  'rolled-back': ' (rolled back)',
};

/** The colour of a finished step's mark. */
function markColor(tint: ReturnType<typeof useColor>, e: StepEvent) {
  if (e.status === 'running') return undefined;
  const c = STYLES[STEP_MARKS[e.status].style].color;
  return c === undefined ? undefined : tint(c);
}

/** One step row (and its detail, for a failure or a rollback). */
export function EventRow({ event }: { event: StepEvent }) {
  const tint = useColor();
  const showDetail = event.detail !== undefined && event.status !== 'running';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        {'  '}
        {event.status === 'running' ? (
          <Spinner />
        ) : (
          <Text color={markColor(tint, event)}>{STEP_MARKS[event.status].mark}</Text>
        )}
        {` ${event.label}${SUFFIX[event.status]}`}
      </Text>
      {showDetail && (
        <Text color={event.status === 'failed' ? tint('red') : tint('gray')}>
          {'      '}
          {event.detail}
        </Text>
      )}
    </Box>
  );
}

/** The steps, the latest `height` of them when there are more. */
export function EventList({ events, height }: { events: StepEvent[]; height: number }) {
  const shown = events.length > height ? events.slice(events.length - height) : events;
  return (
    <Box flexDirection="column">
      {shown.map((e) => (
        <EventRow key={e.id} event={e} />
      ))}
    </Box>
  );
}

/** The apply screen. */
export function ApplyScreen({ events, height }: { events: StepEvent[]; height: number }) {
  const tint = useColor();
  return (
    <Box flexDirection="column">
      <Text bold>
        <Spinner /> Applying… <Text color={tint('gray')}>(Ctrl-C is ignored until this finishes)</Text>
      </Text>
      {events.length === 0 ? (
        <Text color={tint('gray')}>{'  starting…'}</Text>
      ) : (
        <EventList events={events} height={height} />
      )}
    </Box>
  );
}
