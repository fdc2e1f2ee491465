// Text progress bars and short durations; pure.

/** `█████░░░░░` for done/total over `width` cells; ASCII `#####-----` when unicode is unwelcome. */
export function bar(done: number, total: number, width: number, ascii = false): string {
  const w = Math.max(1, Math.floor(width));
  const f = total <= 0 ? 0 : Math.min(1, Math.max(0, done / total));
  const full = Math.round(f * w);
  return (ascii ? '#' : '█').repeat(full) + (ascii ? '-' : '░').repeat(w - full);
}

/** `850ms`, `4s`, `1m05s`, `2h03m`; negative values count as 0. */
export function shortDuration(ms: number): string {
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)}ms`;
  const s = Math.floor(v / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
