// Resource quantity strings (RING.md §4.6): CPU → nano-CPUs, memory → bytes.
// Pure functions: no I/O. Both return null for anything they do not accept.

/** Nano-CPUs in one core. */
export const NANO_CPUS_PER_CORE = 1_000_000_000;
/** Nano-CPUs in one milli-CPU. */
export const NANO_CPUS_PER_MILLI = 1_000_000;

// A non-negative decimal: "2", "0.5", ".5", "1.". No sign, no exponent, no hex, no underscores.
const DECIMAL = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;
const CPU_RE = new RegExp(`^(${DECIMAL})(m?)$`);
const MEMORY_RE = new RegExp(`^(${DECIMAL})(Ki|Mi|Gi|Ti|K|M|G|T)?$`);

const MEMORY_MULTIPLIERS: Record<string, number> = {
  '': 1,
  K: 1000, M: 1000 ** 2, G: 1000 ** 3, T: 1000 ** 4,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
};

function finiteInteger(n: number): number | null {
  const r = Math.round(n);
  return Number.isSafeInteger(r) && r >= 0 ? r : null;
}

/**
 * "<n>m" → n × 10⁶ nano-CPUs (milli-CPUs); anything else is a decimal number of cores × 10⁹.
 * "0.5" → 500000000, "250m" → 250000000, "2" → 2000000000.
 * Surrounding whitespace is ignored; negatives, exponents and other garbage → null.
 * Fractions of a nano-CPU are rounded to the nearest integer.
 */
export function parseCpu(s: string): number | null {
  if (typeof s !== 'string') return null;
  const m = CPU_RE.exec(s.trim());
  if (!m) return null;
  const value = Number(m[1]);
  if (!Number.isFinite(value)) return null;
  return finiteInteger(value * (m[2] === 'm' ? NANO_CPUS_PER_MILLI : NANO_CPUS_PER_CORE));
}

/**
 * Integer bytes. A bare number is bytes; Ki Mi Gi Ti are powers of 1024, K M G T powers of 1000.
 * Fractions are allowed ("1.5Gi" → 1610612736) and the result is rounded to whole bytes.
 * Suffixes are case-sensitive ("128mi", "512m", "1kb" → null); negatives and garbage → null.
 */
export function parseMemory(s: string): number | null {
  if (typeof s !== 'string') return null;
  const m = MEMORY_RE.exec(s.trim());
  if (!m) return null;
  const value = Number(m[1]);
  if (!Number.isFinite(value)) return null;
  return finiteInteger(value * MEMORY_MULTIPLIERS[m[2] ?? '']!);
}
