// Observed instances for API reads. Clients poll GET /deployments; one runtime list() every few hundred
// milliseconds serves them all, and the reconciler's own list() refreshes it for free.
import type { Instance, Runtime } from '../runtime/runtime.js';

export class InstanceCache {
  private byDeployment = new Map<string, Instance[]>();
  private fetchedAt = 0;
  private inflight: Promise<void> | null = null;

  constructor(private runtimes: Map<string, Runtime>, private maxAgeMs: number) {}

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
      await this.inflight;
    }
    return this.byDeployment.get(deploymentId) ?? [];
  }

  private async refresh(): Promise<void> {
    const lists = await Promise.all([...this.runtimes.values()].map((r) => r.list().catch(() => [] as Instance[])));
    this.prime(lists.flat());
  }
}
