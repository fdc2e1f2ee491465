import { readFile } from 'node:fs/promises';
import { RuntimeError, type InstanceSpec } from '../runtime.js';

const MiB = 1024 * 1024;

/**
 * Refuses an instance whose declared memory cannot fit, before any pull or create, so a refusal
 * leaves nothing behind. Point-in-time and memory-only, like Ring's; hosts without /proc/meminfo
 * are not gated.
 */
export async function admitMemory(spec: InstanceSpec): Promise<void> {
  const need = spec.memoryReservationBytes ?? spec.memoryBytes;
  if (need === undefined || need <= 0) return;
  const available = await availableMemoryBytes();
  if (available === null || need <= available) return;
  throw new RuntimeError(
    'insufficient_resources',
    `insufficient host memory for '${spec.name}': needs ${Math.ceil(need / MiB)} MiB but only ${Math.floor(available / MiB)} MiB is available — free memory on the host or lower resources.requests.memory / resources.limits.memory`,
  );
}

export async function availableMemoryBytes(): Promise<number | null> {
  let text: string;
  try {
    text = await readFile('/proc/meminfo', 'utf8');
  } catch {
    return null;
  }
  const m = /^MemAvailable:\s+(\d+)\s*kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : null;
}
