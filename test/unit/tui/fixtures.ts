// Deployments as GET /deployments returns them, for the TUI tests.
import type { Deployment } from '../../../tui/format.js';

export function deployment(name: string, extra: Partial<Deployment> = {}): Deployment {
  return {
    id: `id-${name}`, created_at: '2024-05-01T10:00:00Z', updated_at: '2024-05-01T10:00:00Z', status: 'running', restart_count: 0,
    name, runtime: 'docker', kind: 'worker', namespace: 'ns', image: 'ring-test/busybox:1', command: [], config: {}, replicas: 1,
    ports: [], labels: {}, instances: [{ id: 'c1' }], environment: {}, volumes: [], ...extra,
  } as Deployment;
}
