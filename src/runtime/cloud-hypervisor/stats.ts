// Stats (CLOUD-HYPERVISOR.md §1.9, §1.16 item 8): CPU, RSS and threads of the VMM from /proc (pid
// from the sidecar, so they survive a server restart), network and disk from CH's own vm.counters
// (the guest's view: no sysfs, no /proc/<pid>/io permissions, no rx/tx swap), the limit = VM RAM.
import { readFileSync } from 'node:fs';
import type { VmCounters } from './client.js';

const CLOCK_TICKS = 100; // USER_HZ on Linux
const SAMPLE_MS = 500;

/** utime + stime in clock ticks, from /proc/<pid>/stat (fields 14 and 15, after the `(comm)`). */
export function cpuTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

export function statusField(status: string, field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status);
  return m ? Number(m[1]) : null;
}

export interface ProcSample { cpuPercent: number; rssBytes: number; threads: number }

export async function sampleProcess(pid: number): Promise<ProcSample> {
  const read = () => cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const t0 = Date.now();
  const a = read();
  await new Promise((r) => setTimeout(r, SAMPLE_MS));
  const b = read();
  const seconds = (Date.now() - t0) / 1000;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    cpuPercent: seconds > 0 ? Math.max(0, ((b - a) / CLOCK_TICKS / seconds) * 100) : 0,
    rssBytes: (statusField(status, 'VmRSS') ?? 0) * 1024,
    threads: statusField(status, 'Threads') ?? 0,
  };
}

export interface DeviceTotals { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number; readBytes: number; writeBytes: number }

/** Sums vm.counters over devices: net devices carry rx/tx, block devices read/write. */
export function sumCounters(c: VmCounters | undefined): DeviceTotals {
  const t: DeviceTotals = { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0, readBytes: 0, writeBytes: 0 };
  for (const dev of Object.values(c ?? {})) {
    t.rxBytes += dev.rx_bytes ?? 0;
    t.txBytes += dev.tx_bytes ?? 0;
    t.rxPackets += dev.rx_frames ?? 0;
    t.txPackets += dev.tx_frames ?? 0;
    t.readBytes += dev.read_bytes ?? 0;
    t.writeBytes += dev.write_bytes ?? 0;
  }
  return t;
}
