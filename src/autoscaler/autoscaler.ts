// Runs decideScale() over the autoscaled deployments on every scheduler interval, reading the CPU
// figures the runtime-stats refresher already keeps (no extra runtime calls). A decision writes
// desired_replicas and an `autoscaler` event in one transaction and wakes the reconciler, whose
// runtime scale events then publish `deployment.scaled` (src/domain/changes.ts).
// Cooldown clocks live in memory, as Ring's: a restart forgets them.
import type { Store } from '../store/index.js';
import { EVENT_REASON, noted } from '../domain/changes.js';
import type { RuntimeStatsSnapshot } from '../metrics/runtime-stats.js';
import type { Deployment } from '../domain/deployment.js';
import { decideScale, type AutoscaleDecision } from './decide.js';

interface Logger { info(fields: Record<string, unknown>, msg: string): void; debug(fields: Record<string, unknown>, msg: string): void }

export interface AutoscalerOptions {
  store: Store;
  stats: { snapshot(): RuntimeStatsSnapshot };
  wake(deploymentId: string): void;
  intervalMs: number;
  logger?: Logger;
  now?: () => number;
}

/** Autoscaled deployments the autoscaler may act on: running, not a rolling child, not being drained. */
export function autoscaleCandidates(all: Deployment[]): Deployment[] {
  const draining = new Set(all.filter((d) => d.parent_id && d.status !== 'deleted').map((d) => d.parent_id));
  return all.filter((d) => d.autoscale && d.status === 'running' && !d.parent_id && !draining.has(d.id) && d.unloadable === undefined);
}

export class Autoscaler {
  private readonly lastScaledAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly opts: AutoscalerOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.pass(), Math.max(100, this.opts.intervalMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * The candidates, read again only when a deployment row may have changed (the store's
   * version()): with none autoscaled, an idle server's passes found the same empty set by decoding
   * every running row each tick (at 300 deployments, an eighth of an idle tick's garbage,
   * bench/support/profile-tick.ts).
   */
  private candidates(): Deployment[] {
    const { store } = this.opts;
    const version = store.deployments.version();
    if (this.cached?.version === version) return this.cached.rows;
    const rows = autoscaleCandidates(store.deployments.list({ status: ['running'] }).concat(store.deployments.list({ children: true })));
    this.cached = { version, rows };
    return rows;
  }
  private cached: { version: string; rows: Deployment[] } | null = null;

  /** One pass; returns the decisions taken (for tests and logs). */
  pass(): Map<string, AutoscaleDecision> {
    const now = (this.opts.now ?? Date.now)();
    const { store } = this.opts;
    const taken = new Map<string, AutoscaleDecision>();
    const candidates = this.candidates();
    // Reading the stats snapshot keeps its refresher running (two Docker calls per instance a
    // tick): read it only when some deployment autoscales.
    if (candidates.length === 0) return taken;
    const snap = this.opts.stats.snapshot();
    const byId = new Map(snap.deployments.map((s) => [s.id, s]));
    const statsAgeMs = snap.lastRefreshSeconds === 0 ? Infinity : now - snap.lastRefreshSeconds * 1000;
    for (const d of candidates) {
      const s = byId.get(d.id);
      const decision = decideScale({
        autoscale: d.autoscale!, current: d.desired_replicas ?? d.replicas,
        cpuPercent: s && s.instances > 0 ? s.cpu_usage_percent / s.instances : undefined,
        statsAgeMs, lastScaledAt: this.lastScaledAt.get(d.id), now,
      });
      if (decision.kind === 'keep') {
        this.opts.logger?.debug({ deployment: d.id, why: decision.why }, 'autoscaler keeps the target');
        continue;
      }
      store.tx(() => {
        store.deployments.setDesiredReplicas(d.id, decision.to);
        // The decision only moves the target (a row, no webhook); the runtime's own scale events follow it.
        store.changes.record(d, [noted('info', 'autoscaler', decision.direction === 'up' ? EVENT_REASON.scaleUp : EVENT_REASON.scaleDown, decision.message)]);
      });
      this.lastScaledAt.set(d.id, now);
      this.opts.logger?.info({ deployment: d.id, to: decision.to }, decision.message);
      taken.set(d.id, decision);
      this.opts.wake(d.id);
    }
    return taken;
  }
}
