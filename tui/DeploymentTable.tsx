// The deployments table: a header line and one line per row, the selected one highlighted.
import { Box, Text } from 'ink';
import { COLUMNS, GAP, HEADERS, fit, layout, statusColour, windowOf, type Row } from './format.js';

export interface DeploymentTableProps {
  rows: readonly Row[];
  /** Index into rows; -1 = none. */
  selected: number;
  width: number;
  /** Lines available for rows (the header excluded). */
  height: number;
}

const gap = ' '.repeat(GAP);

export function DeploymentTable({ rows, selected, width, height }: DeploymentTableProps) {
  const w = layout(rows, width);
  // A scrolled table gives one of its lines to the `rows a-b of n` footer.
  const scrolling = rows.length > height;
  const { start, end } = windowOf(rows.length, Math.max(0, selected), scrolling ? height - 1 : height);
  return (
    <Box flexDirection="column">
      <Text bold>{COLUMNS.map((c) => fit(HEADERS[c], w[c])).join(gap)}</Text>
      {rows.length === 0 && <Text dimColor>No deployments.</Text>}
      {rows.slice(start, end).map((r, i) => {
        const isSelected = start + i === selected;
        return (
          <Text key={r.id} inverse={isSelected} wrap="truncate">
            {fit(r.namespace, w.namespace)}{gap}
            {fit(r.name, w.name)}{gap}
            <Text color={statusColour(r.status)}>{fit(r.status, w.status)}</Text>{gap}
            {fit(r.replicas, w.replicas)}{gap}
            {fit(r.restarts, w.restarts)}{gap}
            {fit(r.image, w.image)}{gap}
            {fit(r.age, w.age)}
          </Text>
        );
      })}
      {scrolling ? <Text dimColor>{`rows ${start + 1}-${end} of ${rows.length}`}</Text> : null}
    </Box>
  );
}
