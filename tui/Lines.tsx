// Renders display lines (text with a tone, or coloured segments), each cut to the width.
import { Text } from 'ink';
import type { Line, Tone } from './describe.js';
import type { StatusColour } from './format.js';
import type { Segment } from './table.js';

export interface Theme {
  /** NO_COLOR: no colours at all (bold, inverse and dim stay: they are not colour). */
  colour: boolean;
  /** Bars and marks in ASCII (TERM=dumb/linux or RING_TUI_ASCII=1). */
  ascii: boolean;
}

const TONE_COLOUR: Record<Exclude<Tone, undefined>, StatusColour | undefined> = { ok: 'green', warn: 'yellow', error: 'red', dim: undefined, title: undefined };

export function colourOf(theme: Theme, c: StatusColour | undefined): StatusColour | undefined {
  return theme.colour ? c : undefined;
}

export function ToneLine({ line, theme }: { line: Line; theme: Theme }) {
  const t = line.tone;
  return (
    <Text wrap="truncate" bold={t === 'title'} dimColor={t === 'dim'} color={t ? colourOf(theme, TONE_COLOUR[t]) : undefined}>
      {line.text || ' '}
    </Text>
  );
}

export function SegmentLine({ segments, theme, inverse }: { segments: readonly Segment[]; theme: Theme; inverse?: boolean }) {
  return (
    <Text wrap="truncate" inverse={inverse}>
      {segments.map((s, i) => (
        <Text key={i} dimColor={s.dim} color={colourOf(theme, s.colour)}>{s.text}</Text>
      ))}
    </Text>
  );
}
