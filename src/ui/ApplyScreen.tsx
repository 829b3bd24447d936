/**
 * The apply, live: one row per step (spinner while running, ✓ done, ✗ failed with its detail,
 * ↺ rolled back, – skipped). Ctrl-C is ignored while it runs: an interrupted apply could leave
 * files half written, and the engine rolls back by itself on failure.
 */
import { Box, Text } from 'ink';
import type { ApplyEvent } from './backend.js';
import { Spinner } from './Spinner.js';
import { useColour } from './style.js';
import type { Colour } from './style.js';

const MARK: Record<Exclude<ApplyEvent['status'], 'running'>, { mark: string; colour: Colour }> = {
  ok: { mark: '✓', colour: 'green' },
  failed: { mark: '✗', colour: 'red' },
  skipped: { mark: '–', colour: 'gray' },
  'rolled-back': { mark: '↺', colour: 'yellow' },
};

const SUFFIX: Record<ApplyEvent['status'], string> = {
  running: '',
  ok: '',
  failed: '',
  skipped: ' (skipped)',
  'rolled-back': ' (rolled back)',
};

/** One step row (and its detail, for a failure or a rollback). */
export function EventRow({ event }: { event: ApplyEvent }) {
  const colour = useColour();
  const showDetail = event.detail !== undefined && event.status !== 'running';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        {'  '}
        {event.status === 'running' ? (
          <Spinner />
        ) : (
          <Text color={colour(MARK[event.status].colour)}>{MARK[event.status].mark}</Text>
        )}
        {` ${event.label}${SUFFIX[event.status]}`}
      </Text>
      {showDetail && (
        <Text color={event.status === 'failed' ? colour('red') : colour('gray')}>
          {'      '}
          {event.detail}
        </Text>
      )}
    </Box>
  );
}

/** The steps, the latest `height` of them when there are more. */
export function EventList({ events, height }: { events: ApplyEvent[]; height: number }) {
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
export function ApplyScreen({ events, height }: { events: ApplyEvent[]; height: number }) {
  const colour = useColour();
  return (
    <Box flexDirection="column">
      <Text bold>
        <Spinner /> Applying… <Text color={colour('gray')}>(Ctrl-C is ignored until this finishes)</Text>
      </Text>
      {events.length === 0 ? (
        <Text color={colour('gray')}> starting…</Text>
      ) : (
        <EventList events={events} height={height} />
      )}
    </Box>
  );
}
