// ring cpu/memory strings → Kubernetes quantities. Pure.
import { parseCpu, parseMemory } from '../../domain/quantities.js';

/** ring "500m" / "0.5" / "2" are already Kubernetes CPU quantities; only re-checked here. */
export function cpuQuantity(raw: string): string | null {
  return parseCpu(raw) === null ? null : raw.trim();
}

/**
 * Memory: Ki/Mi/Gi/Ti and bare bytes carry over; ring's decimal `K` is Kubernetes' `k` (a lossless
 * rename, reported as a lossy-rule warning because the text changes); M G T are the same in both.
 */
export function memoryQuantity(raw: string): { quantity: string; renamed: boolean } | null {
  if (parseMemory(raw) === null) return null;
  const text = raw.trim();
  if (/^\d+(\.\d+)?K$/.test(text)) return { quantity: `${text.slice(0, -1)}k`, renamed: true };
  return { quantity: text, renamed: false };
}
