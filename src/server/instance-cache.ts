// Observed instances for API reads. Clients poll GET /deployments; one runtime list() every few hundred
// milliseconds serves them all, and the reconciler's own list() refreshes it for free.
import type { Instance, Runtime } from '../runtime/runtime.js';

export class InstanceCache {
  private byDeployment = new Map<string, Instance[]>();
  private fetchedAt = 0;
  private inflight: Promise<void> | null = null;

  constructor(private runtimes: Map<string, Runtime>, private maxAgeMs: number, private waitMs = 2000) {}

  prime(instances: Instance[]): void {
    const map = new Map<string, Instance[]>();
    for (const i of instances) map.set(i.deploymentId, [...(map.get(i.deploymentId) ?? []), i]);
    this.byDeployment = map;
    this.fetchedAt = Date.now();
  }

  invalidate(): void {
    this.fetchedAt = 0;
  }

  async of(deploymentId: string): Promise<Instance[]> {
    if (Date.now() - this.fetchedAt > this.maxAgeMs) {
      this.inflight ??= this.refresh().finally(() => (this.inflight = null));
      // A wedged runtime must not hold API reads: past waitMs, answer from the last view (the
      // reconciler reports the outage on the deployments themselves).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.inflight, new Promise<void>((r) => { timer = setTimeout(r, this.waitMs); })]);
      clearTimeout(timer);
    }
    return this.byDeployment.get(deploymentId) ?? [];
  }

  private async refresh(): Promise<void> {
    const lists = await Promise.all([...this.runtimes.values()].map((r) => r.list().catch(() => [] as Instance[])));
    this.prime(lists.flat());
  }
}
