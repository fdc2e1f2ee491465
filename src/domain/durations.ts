// Duration strings for health checks and similar fields. Pure, strict.
//
// Accepted: one or more "<number><unit>" components with units h, m, s, ms, in that
// descending order, each unit at most once: "500ms", "30s", "1m30s", "1h2m3s", "1.5s".
// Rejected (null): bare numbers ("10"), unknown units ("10x", "1d"), signs ("-1s", "+1s"),
// whitespace inside, repeated or out-of-order units ("1s1s", "30s1m"), empty strings.
// Surrounding whitespace is ignored. The result is milliseconds, rounded to an integer.

const NUM = String.raw`(\d+(?:\.\d+)?)`;
const DURATION_RE = new RegExp(`^(?:${NUM}h)?(?:${NUM}m(?!s))?(?:${NUM}s)?(?:${NUM}ms)?$`);

const UNIT_MS = [3_600_000, 60_000, 1_000, 1] as const;

/** Milliseconds for a duration string, or null when it is not a valid duration. */
export function parseDuration(s: string): number | null {
  if (typeof s !== 'string') return null;
  const text = s.trim();
  if (text === '') return null;
  const m = DURATION_RE.exec(text);
  if (!m) return null;
  let total = 0;
  let seen = false;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = m[i + 1];
    if (part === undefined) continue;
    seen = true;
    total += Number(part) * UNIT_MS[i]!;
  }
  if (!seen) return null;
  const ms = Math.round(total);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** Formats milliseconds back into the canonical form accepted by parseDuration ("1m30s", "500ms", "0s"). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms}ms`;
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let out = '';
  const units: [number, string][] = [[3_600_000, 'h'], [60_000, 'm'], [1_000, 's'], [1, 'ms']];
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) { out += `${n}${unit}`; rest -= n * size; }
  }
  return out;
}
