// Per-deployment resource usage for GET /metrics, refreshed in the background on the scheduler
// interval (RING.md §10): a scrape reads this snapshot and never waits on a runtime.
//
// Refreshing costs two Docker calls per running instance (stats, inspect): 600 calls a tick at 300
// instances, for numbers nobody may be reading. So the refresher runs while the snapshot is in
// demand — read (a scrape, an autoscaler) within the last `demandWindowMs` — and a read of a
// snapshot older than the interval starts a refresh at once, so a scraper that returns after a
// quiet spell gets fresh numbers on its next scrape instead of waiting for a tick.
import type { Instance, InstanceStats, Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/index.js';
import { statsTotals } from './totals.js';
import type { Logger } from '../log-type.js';
import type { components } from '../../generated/openapi.js';

/** One deployment's row of GET /metrics' deployment_runtime, as the API contract defines it. */
export type DeploymentRuntimeSeries = components['schemas']['MetricsSnapshot']['deployment_runtime'][number];

export interface DeploymentRuntimeStats extends DeploymentRuntimeSeries {
  /** The deployment's id (the autoscaler's key; not a Prometheus label). */
  id: string;
}

export interface RuntimeStatsSnapshot {
  /** Unix seconds of the last completed refresh; 0 before the first. */
  lastRefreshSeconds: number;
  deployments: DeploymentRuntimeStats[];
}


export interface RuntimeStatsOptions {
  store: Store;
  runtimes: Map<string, Runtime>;
  /** Observed instances of a deployment (the server's shared instance cache). */
  instancesOf: (deploymentId: string) => Promise<Instance[]>;
  intervalMs: number;
  /** Bound on one deployment's stats calls (RING: 5 s); a slow one is left out of this refresh. */
  perDeploymentTimeoutMs?: number;
  /** How long after the last read the refresher keeps running (default 5 min: longer than any scrape interval). */
  demandWindowMs?: number;
  logger?: Logger;
  /** Tests. */
  clock?: () => number;
}

export class RuntimeStatsCache {
  private current: RuntimeStatsSnapshot = { lastRefreshSeconds: 0, deployments: [] };
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;
  /** When the snapshot was last read, and when the last refresh started (clock ms; 0 = never). */
  private readAt = 0;
  private refreshedAt = 0;
  /** Refreshes run (tests, benchmarks). */
  refreshes = 0;

  constructor(private readonly opts: RuntimeStatsOptions) {}

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }

  snapshot(): RuntimeStatsSnapshot {
    this.readAt = this.now();
    if (this.timer && this.readAt - this.refreshedAt >= this.opts.intervalMs) void this.refresh();
    return this.current;
  }

  /** Whether anyone read the snapshot recently enough to keep refreshing it. */
  inDemand(): boolean {
    return this.readAt > 0 && this.now() - this.readAt < (this.opts.demandWindowMs ?? 300_000);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { if (this.inDemand()) void this.refresh(); }, Math.max(100, this.opts.intervalMs));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inflight;
  }

  /** One refresh; overlapping calls share it. */
  refresh(): Promise<void> {
    if (!this.inflight) {
      this.refreshedAt = this.now();
      this.refreshes++;
      this.inflight = this.collect().finally(() => (this.inflight = null));
    }
    return this.inflight;
  }

  private async collect(): Promise<void> {
    const running = this.opts.store.deployments.list({ status: ['running'] });
    const results = await Promise.all(running.map(async (d) => {
      const rt = this.opts.runtimes.get(d.runtime);
      if (!rt) return null;
      try {
        const stats = await withTimeout(this.statsOf(d.id, rt), this.opts.perDeploymentTimeoutMs ?? 5000);
        return summarise(d, stats);
      } catch (err) {
        this.opts.logger?.debug({ deployment: d.id, error: err instanceof Error ? err.message : String(err) }, 'stats refresh skipped a deployment');
        return null;
      }
    }));
    this.current = {
      lastRefreshSeconds: Math.floor(Date.now() / 1000),
      deployments: results.filter((r): r is DeploymentRuntimeStats => r !== null),
    };
  }

  private async statsOf(deploymentId: string, rt: Runtime): Promise<InstanceStats[]> {
    const live = (await this.opts.instancesOf(deploymentId)).filter((i) => i.state === 'running');
    return Promise.all(live.map((i) => rt.stats(i.id)));
  }
}

function summarise(d: { id: string; name: string; namespace: string; runtime: string; restart_count: number }, stats: InstanceStats[]): DeploymentRuntimeStats {
  const t = statsTotals(stats);
  return {
    id: d.id, name: d.name, namespace: d.namespace, runtime: d.runtime,
    instances: t.instances,
    cpu_usage_percent: t.cpuPercent,
    memory_usage_bytes: t.memory.usageBytes,
    memory_limit_bytes: t.memory.limitBytes,
    network_rx_bytes: t.network.rxBytes,
    network_tx_bytes: t.network.txBytes,
    disk_read_bytes: t.diskIo.readBytes,
    disk_write_bytes: t.diskIo.writeBytes,
    pids: t.pids,
    restarts: d.restart_count, // counted failures (restart_count): Ring's series is always 0 (§14)
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`stats took longer than ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}
