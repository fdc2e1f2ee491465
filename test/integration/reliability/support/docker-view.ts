// What Docker holds for one test namespace, compared with the deployments that should own it.
import Docker from 'dockerode';

export interface Convergence {
  ok: boolean;
  /** Human-readable differences (empty when ok). */
  problems: string[];
  containers: number;
}

/**
 * Converged = every container of the namespace belongs to one of `active` and runs, and each
 * active deployment has exactly its replicas. Anything else is listed.
 */
export async function convergence(docker: Docker, namespace: string, active: Map<string, number>): Promise<Convergence> {
  const all = await docker.listContainers({ all: true, filters: { label: [`ring.namespace=${namespace}`] } });
  const problems: string[] = [];
  const running = new Map<string, number>();
  for (const c of all) {
    const dep = c.Labels['ring_deployment'] ?? '';
    if (!active.has(dep)) problems.push(`container ${c.Id.slice(0, 12)} (${c.State}) of ${dep || 'no deployment'}, which is not active`);
    else if (c.State !== 'running') problems.push(`container ${c.Id.slice(0, 12)} of ${dep} is ${c.State}`);
    else running.set(dep, (running.get(dep) ?? 0) + 1);
  }
  for (const [id, replicas] of active) {
    const n = running.get(id) ?? 0;
    if (n !== replicas) problems.push(`${id} runs ${n} of ${replicas} replicas`);
  }
  return { ok: problems.length === 0, problems, containers: all.length };
}

/** Polls until converged; returns the last view (ok false on timeout). */
export async function waitForConvergence(docker: Docker, namespace: string, active: () => Map<string, number>, timeoutMs: number): Promise<Convergence> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await convergence(docker, namespace, active());
    if (c.ok || Date.now() > deadline) return c;
    await new Promise((r) => setTimeout(r, 250));
  }
}
