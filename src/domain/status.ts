// The fourteen deployment statuses of the lifecycle seed, and how the reconciler treats each.
export const STATUSES = [
  'pending', 'creating', 'running', 'completed', 'failed', 'deleted',
  'crash_loop_back_off', 'image_pull_back_off', 'create_container_error',
  'network_error', 'config_error', 'file_system_error', 'insufficient_resources', 'error',
] as const;
export type Status = (typeof STATUSES)[number];

/** Never reconciled again: the deployment is done. */
export const TERMINAL_STATUSES: readonly Status[] = ['completed', 'failed', 'crash_loop_back_off', 'insufficient_resources'];

/** Failure classes the reconciler keeps retrying (each retry counts toward MAX_RESTART_COUNT). */
export const RETRIED_FAILURE_STATUSES: readonly Status[] = [
  'image_pull_back_off', 'create_container_error', 'network_error', 'config_error', 'file_system_error', 'error',
];

export const MAX_RESTART_COUNT = 5;

export function isTerminal(s: Status): boolean {
  return TERMINAL_STATUSES.includes(s);
}

export function isStatus(s: string): s is Status {
  return (STATUSES as readonly string[]).includes(s);
}

export const KINDS = ['worker', 'job'] as const;
export type Kind = (typeof KINDS)[number];

export const RUNTIMES = ['docker', 'podman', 'containerd', 'cloud-hypervisor', 'firecracker', 'swarm'] as const;

/** Runtimes that take whole deployments (the engine owns replicas, health and rollouts), not instances. */
export const DEPLOYMENT_BACKENDS: readonly RuntimeName[] = ['swarm'];
export type RuntimeName = (typeof RUNTIMES)[number];
