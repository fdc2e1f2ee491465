import type Docker from 'dockerode';
import { RuntimeError, type InstanceStats } from '../runtime.js';
import { dockerMessage, isNotFound } from './errors.js';

/** The subset of the stats API body we read; every field is optional because cgroup v1/v2 and host networking differ. */
interface RawStats {
  name?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number; rx_packets?: number; tx_packets?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null };
  pids_stats?: { current?: number; limit?: number };
}

/** One sample. With stream=false the daemon waits for a second reading, so precpu is populated. */
export async function readStats(docker: Docker, instanceId: string): Promise<InstanceStats> {
  const container = docker.getContainer(instanceId);
  let raw: RawStats;
  let info: Docker.ContainerInspectInfo;
  try {
    [raw, info] = await Promise.all([
      container.stats({ stream: false }) as Promise<RawStats>,
      container.inspect(),
    ]);
  } catch (err) {
    const what = isNotFound(err) ? `instance ${instanceId} not found` : dockerMessage(err);
    throw new RuntimeError('runtime_error', `Failed to read stats: ${what}`, { cause: err });
  }
  return toInstanceStats(raw, info);
}

export function toInstanceStats(raw: RawStats, info: Pick<Docker.ContainerInspectInfo, 'Id' | 'Name' | 'RestartCount'>): InstanceStats {
  const usage = memoryUsage(raw.memory_stats);
  const limit = raw.memory_stats?.limit ?? 0;
  const net = Object.values(raw.networks ?? {});
  const sum = (pick: (n: (typeof net)[number]) => number | undefined): number => net.reduce((a, n) => a + (pick(n) ?? 0), 0);
  const io = raw.blkio_stats?.io_service_bytes_recursive ?? [];
  const ioSum = (op: string): number => io.filter((e) => e.op?.toLowerCase() === op).reduce((a, e) => a + (e.value ?? 0), 0);
  const pidsLimit = raw.pids_stats?.limit;
  return {
    instanceId: info.Id,
    instanceName: info.Name.replace(/^\//, ''),
    cpuPercent: cpuPercent(raw),
    memory: { usageBytes: usage, limitBytes: limit, usagePercent: limit > 0 ? (usage / limit) * 100 : 0 },
    network: {
      rxBytes: sum((n) => n.rx_bytes),
      txBytes: sum((n) => n.tx_bytes),
      rxPackets: sum((n) => n.rx_packets),
      txPackets: sum((n) => n.tx_packets),
    },
    diskIo: { readBytes: ioSum('read'), writeBytes: ioSum('write') },
    // "max" is reported as 0 or a huge number depending on the daemon; neither is a real limit.
    pids: { current: raw.pids_stats?.current ?? 0, limit: pidsLimit && pidsLimit > 0 && pidsLimit < 2 ** 53 ? pidsLimit : null },
    restartCount: info.RestartCount ?? 0,
  };
}

/** `docker stats`' formula: container CPU delta over host CPU delta, scaled by online CPUs. */
function cpuPercent(raw: RawStats): number {
  const cpu = raw.cpu_stats;
  const pre = raw.precpu_stats;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const online = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
  return cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** Page cache is reclaimable, so it is not "used"; the field naming it differs between cgroup v1 and v2. */
function memoryUsage(mem: RawStats['memory_stats']): number {
  const usage = mem?.usage ?? 0;
  const s = mem?.stats ?? {};
  const cache = s.total_inactive_file ?? s.inactive_file ?? s.cache ?? 0;
  return Math.max(0, usage - (cache < usage ? cache : 0));
}
