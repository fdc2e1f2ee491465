// GET /deployments/{id}/metrics: Docker stats of the running instances, summed.
import type { InstanceStats } from '../runtime/runtime.js';
import { shortId } from '../domain/changes.js';
import { json, type Handler } from './context.js';
import { notFound } from './problem.js';
import { loadDeployment } from './deployments.js';
import { statsTotals } from '../metrics/totals.js';

const pct = (used: number, limit: number) => (limit > 0 ? Math.round((used / limit) * 10000) / 100 : 0);

export const getDeploymentMetrics: Handler<'getDeploymentMetrics'> = async (ctx) => {
  const d = loadDeployment(ctx);
  const runtime = ctx.services.runtimes.get(d.runtime);
  if (!runtime) throw notFound(`runtime '${d.runtime}' is not enabled on this server`);
  const running = (await ctx.services.instancesOf(d.id)).filter((i) => i.state === 'running');
  const stats = (await Promise.all(running.map((i) => runtime.stats(i.id).catch(() => null)))).filter(
    (s): s is InstanceStats => s !== null);
  const t = statsTotals(stats);
  return json(200, {
    deployment_id: d.id,
    deployment_name: d.name,
    instance_count: t.instances,
    total_cpu_usage_percent: Math.round(t.cpuPercent * 100) / 100,
    total_memory: { usage_bytes: t.memory.usageBytes, limit_bytes: t.memory.limitBytes, usage_percent: pct(t.memory.usageBytes, t.memory.limitBytes) },
    total_network: {
      rx_bytes: t.network.rxBytes, tx_bytes: t.network.txBytes, rx_packets: t.network.rxPackets, tx_packets: t.network.txPackets,
    },
    total_disk_io: { read_bytes: t.diskIo.readBytes, write_bytes: t.diskIo.writeBytes },
    total_pids: t.pids,
    instances: stats.map((s) => ({
      instance_id: shortId(s.instanceId),
      instance_name: s.instanceName,
      cpu_usage_percent: s.cpuPercent,
      memory: { usage_bytes: s.memory.usageBytes, limit_bytes: s.memory.limitBytes, usage_percent: s.memory.usagePercent },
      network: { rx_bytes: s.network.rxBytes, tx_bytes: s.network.txBytes, rx_packets: s.network.rxPackets, tx_packets: s.network.txPackets },
      disk_io: { read_bytes: s.diskIo.readBytes, write_bytes: s.diskIo.writeBytes },
      pids: { current: s.pids.current, limit: s.pids.limit },
      restart_count: s.restartCount,
    })),
  });
};
