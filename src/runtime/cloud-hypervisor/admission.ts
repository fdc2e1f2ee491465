// Host memory admission before anything is spawned (Ring's resources.rs): requests.memory, else
// limits.memory; not gated when neither is set. The VM's RAM is allocated up front, unlike a cgroup cap.
import { readFileSync } from 'node:fs';

const MIB = 1024 * 1024;

export function memAvailableBytes(meminfo: string): number | null {
  const m = /^MemAvailable:\s+(\d+)\s*kB/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : null;
}

/** Null when admitted; else Ring's message. */
export function admissionProblem(name: string, neededBytes: number | undefined, availableBytes: number | null): string | null {
  if (!neededBytes || availableBytes === null || neededBytes <= availableBytes) return null;
  const needs = Math.ceil(neededBytes / MIB);
  const has = Math.floor(availableBytes / MIB);
  return `insufficient host memory for '${name}': needs ${needs} MiB but only ${has} MiB is available — lower resources.limits.memory (or requests.memory) or free memory on the host`;
}

export function hostMemAvailable(): number | null {
  try {
    return memAvailableBytes(readFileSync('/proc/meminfo', 'utf8'));
  } catch {
    return null;
  }
}
