// The list: a header and one row per item; a rollout adds its new/old lines with progress bars.
import { Box, Text } from 'ink';
import { GAP, HEADERS, columnsFor, fit, layout, statusColour, windowOf, type Row } from './format.js';
import type { GateView } from './gate.js';
import { SegmentLine, colourOf, type Theme } from './Lines.js';
import type { Item, RolloutProgress } from './rollout.js';
import { phaseColour, rolloutDetail, type Segment } from './table.js';

export interface ListEntry {
  item: Item;
  row: Row;
  progress?: RolloutProgress;
  gate?: GateView;
}

export interface ItemListProps {
  entries: readonly ListEntry[];
  selected: number;
  width: number;
  /** Lines available (header included). */
  height: number;
  theme: Theme;
  now: number;
  emptyText: string;
}

const gap = ' '.repeat(GAP);

export function ItemList({ entries, selected, width, height, theme, now, emptyText }: ItemListProps) {
  const shown = columnsFor(width);
  const w = layout(entries.map((e) => e.row), width, shown);
  // Display lines, each tagged with the item it belongs to, so the window keeps the selection in view.
  const lines: { entry: number; main: boolean; segments: Segment[] }[] = [];
  entries.forEach((e, i) => {
    const colour = e.progress ? phaseColour(e.progress.phase) : statusColour(e.row.status);
    const segs: Segment[] = [];
    shown.forEach((c, j) => {
      const text = fit(e.row[c], w[c]) + (j < shown.length - 1 ? gap : '');
      segs.push(c === 'status' ? { text, colour } : { text });
    });
    lines.push({ entry: i, main: true, segments: segs });
    if (e.item.kind === 'rollout' && e.progress) {
      for (const l of rolloutDetail(e.item, e.progress, e.gate, { width, ascii: theme.ascii, now })) lines.push({ entry: i, main: false, segments: l });
    }
  });
  const body = Math.max(1, height - 1);
  const scrolling = lines.length > body;
  const first = Math.max(0, lines.findIndex((l) => l.entry === selected));
  const own = lines.filter((l) => l.entry === selected).length;
  // Centre on the selected item's first line, but keep its detail lines in view as well.
  const view = body - (scrolling ? 1 : 0);
  const { start, end } = windowOf(lines.length, Math.min(lines.length - 1, first + Math.floor(own / 2)), view);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{shown.map((c) => fit(HEADERS[c], w[c])).join(gap)}</Text>
      {entries.length === 0 && <Text dimColor>{emptyText}</Text>}
      {lines.slice(start, end).map((l, i) => (
        <SegmentLine key={start + i} segments={l.segments} theme={theme} inverse={l.main && l.entry === selected} />
      ))}
      {scrolling ? <Text dimColor color={colourOf(theme, undefined)}>{`lines ${start + 1}-${end} of ${lines.length}`}</Text> : null}
    </Box>
  );
}
