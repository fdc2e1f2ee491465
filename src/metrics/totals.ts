// The one sum of a deployment's instance stats, shared by GET /deployments/{id}/metrics and the
// Prometheus exposition (src/metrics/runtime-stats.ts). A non-finite figure counts as 0.
import type { InstanceStats } from '../runtime/runtime.js';

export interface StatsTotals {
  instances: number;
  cpuPercent: number;
  memory: { usageBytes: number; limitBytes: number };
  network: { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number };
  diskIo: { readBytes: number; writeBytes: number };
  pids: number;
}

export function statsTotals(stats: readonly InstanceStats[]): StatsTotals {
  const sum = (f: (s: InstanceStats) => number) => stats.reduce((acc, s) => acc + (Number.isFinite(f(s)) ? f(s) : 0), 0);
  return {
    instances: stats.length,
    cpuPercent: sum((s) => s.cpuPercent),
    memory: { usageBytes: sum((s) => s.memory.usageBytes), limitBytes: sum((s) => s.memory.limitBytes) },
    network: {
      rxBytes: sum((s) => s.network.rxBytes), txBytes: sum((s) => s.network.txBytes),
      rxPackets: sum((s) => s.network.rxPackets), txPackets: sum((s) => s.network.txPackets),
    },
    diskIo: { readBytes: sum((s) => s.diskIo.readBytes), writeBytes: sum((s) => s.diskIo.writeBytes) },
    pids: sum((s) => s.pids.current),
  };
}
