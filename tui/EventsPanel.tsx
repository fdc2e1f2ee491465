// The recent events of the selected deployment, newest first.
import { Box, Text } from 'ink';
import { eventTime, fit, type DeploymentEvent } from './format.js';

export interface EventsPanelProps {
  name: string;
  events?: readonly DeploymentEvent[];
  error?: string;
  width: number;
  /** Event lines shown at most. */
  lines: number;
}

const LEVEL_COLOUR = { info: undefined, warning: 'yellow', error: 'red' } as const;

export function EventsPanel({ name, events, error, width, lines }: EventsPanelProps) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>{`Events of ${name} (newest first; esc/enter closes)`}</Text>
      {error && <Text color="red" wrap="truncate">{error}</Text>}
      {!error && events === undefined && <Text dimColor>loading…</Text>}
      {!error && events?.length === 0 && <Text dimColor>No events.</Text>}
      {events?.slice(0, lines).map((e) => (
        <Text key={e.id} wrap="truncate">
          {`${eventTime(e.timestamp)}  `}
          <Text color={LEVEL_COLOUR[e.level]}>{fit(e.level, 7)}</Text>
          {`  ${fit(e.reason, 22)}  ${e.message.replace(/\s+/g, ' ').slice(0, Math.max(0, width - 42))}`}
        </Text>
      ))}
    </Box>
  );
}
