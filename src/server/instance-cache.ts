// Observed instances for API reads. Clients poll GET /deployments; one runtime list() every few hundred
// milliseconds serves them all, and the reconciler's own list() refreshes it for free.
import type { Instance, Runtime } from '../runtime/runtime.js';

const NONE: readonly Instance[] = Object.freeze([]);

export class InstanceCache {
  private byDeployment = new Map<string, Instance[]>();
  private fetchedAt = 0;
  /** The array the current view was grouped from. */
  private primed: Instance[] | null = null;
  private inflight: Promise<void> | null = null;

  constructor(private runtimes: Map<string, Runtime>, private maxAgeMs: number, private waitMs = 2000) {}

  prime(instances: Instance[]): void {
    // The reconciler gives the same array again for the same instances: the view stands.
    if (instances === this.primed) {
      this.fetchedAt = Date.now();
      return;
    }
    this.primed = instances;
    const map = new Map<string, Instance[]>();
    for (const i of instances) {
      const arr = map.get(i.deploymentId);
      if (arr) arr.push(i);
      else map.set(i.deploymentId, [i]);
    }
    this.byDeployment = map;
    this.fetchedAt = Date.now();
  }

  invalidate(): void {
    this.fetchedAt = 0;
  }

  async of(deploymentId: string): Promise<Instance[]> {
    await this.fresh();
    return this.byDeployment.get(deploymentId) ?? [];
  }

  /**
   * One freshness check for many reads (GET /deployments with 1000 rows): a synchronous lookup
   * over the current view, instead of one awaited of() per row. While the view is fresh the lookup
   * itself is returned (no promise, no await: every poll of a busy list); else a promise of it,
   * after the refresh.
   */
  lookup(): ((deploymentId: string) => readonly Instance[]) | Promise<(deploymentId: string) => readonly Instance[]> {
    if (this.isFresh()) return this.viewLookup();
    return this.fresh().then(() => this.viewLookup());
  }

  private lookupOf: { view: Map<string, Instance[]>; fn: (deploymentId: string) => readonly Instance[] } | null = null;

  /** The lookup over the current view: one closure per view, not per call. */
  private viewLookup(): (deploymentId: string) => readonly Instance[] {
    const view = this.byDeployment;
    if (this.lookupOf?.view !== view) this.lookupOf = { view, fn: (id) => view.get(id) ?? NONE };
    return this.lookupOf.fn;
  }

  private isFresh(): boolean {
    return Date.now() - this.fetchedAt <= this.maxAgeMs;
  }

  private async fresh(): Promise<void> {
    if (this.isFresh()) return;
    this.inflight ??= this.refresh().finally(() => (this.inflight = null));
    // A wedged runtime must not hold API reads: past waitMs, answer from the last view (the
    // reconciler reports the outage on the deployments themselves).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.inflight, new Promise<void>((r) => { timer = setTimeout(r, this.waitMs); })]);
    clearTimeout(timer);
  }

  private async refresh(): Promise<void> {
    const lists = await Promise.all([...this.runtimes.values()].map((r) => r.list().catch(() => [] as Instance[])));
    this.prime(lists.flat());
  }
}
