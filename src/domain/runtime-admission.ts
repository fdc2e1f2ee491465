// Which runtime a new deployment may use on this server, and what a cloud-hypervisor deployment
// carries that the runtime cannot honour. Pure: the API calls it with the runtimes this server runs.
//
// A runtime this server does not run (turned off, binary missing, daemon down at startup, or one it
// does not implement: podman, containerd, firecracker) is refused at POST with 422, instead of a
// row that sits in `creating` forever (what Ring does).
import type { DeploymentSpec, Violation } from './deployment.js';
import type { NewEvent } from './changes.js';

export interface RuntimeAdmission {
  violations: Violation[];
  /** Events to record with the new row (the cloud_hypervisor_ignored_fields warning). */
  events: NewEvent[];
}

/** Runtimes Ring's API names that this server has no adapter for, whatever the config says. */
export const UNIMPLEMENTED_RUNTIMES: readonly string[] = ['podman', 'containerd', 'firecracker'];

export function admitRuntime(spec: DeploymentSpec, enabled: readonly string[]): RuntimeAdmission {
  const violations: Violation[] = [];
  const events: NewEvent[] = [];
  if (!enabled.includes(spec.runtime)) {
    const list = enabled.length ? [...enabled].sort().join(', ') : 'none';
    violations.push({
      property_path: 'runtime',
      // A config may enable podman (as Ring's `init --runtime podman` writes): saying "not enabled"
      // would send the user to a config that is already right.
      message: UNIMPLEMENTED_RUNTIMES.includes(spec.runtime)
        ? `runtime '${spec.runtime}' is not implemented by this server (enabled: ${list})`
        : `runtime '${spec.runtime}' is not enabled on this server (enabled: ${list})`,
      code: 'deployment.runtime.not_enabled',
    });
  }
  if (spec.runtime === 'cloud-hypervisor') {
    const ignored = ignoredByCloudHypervisor(spec);
    if (ignored.length > 0) {
      events.push({
        level: 'warning', component: 'api', reason: 'cloud_hypervisor_ignored_fields',
        message: `These fields are ignored by the cloud-hypervisor runtime and have no effect: ${ignored.join(', ')}`,
      });
    }
  }
  return { violations, events };
}

/**
 * Ring's list (create.rs:436): resources.requests, config.image_pull_policy (unless the default
 * Always), config.server, config.username, config.password, config.user, plus what Ring misses:
 * config.image_pull_secret and config.use_host_auth. A disk image is never pulled, so registry
 * fields mean nothing. Exactly the fields present are named.
 */
export function ignoredByCloudHypervisor(spec: DeploymentSpec): string[] {
  const out: string[] = [];
  const req = spec.resources?.requests;
  if (req && Object.values(req).some((v) => v !== undefined && v !== null && v !== '')) out.push('resources.requests');
  const c = (spec.config ?? {}) as Record<string, unknown>;
  if (c.image_pull_policy !== undefined && c.image_pull_policy !== null && c.image_pull_policy !== 'Always') out.push('config.image_pull_policy');
  for (const k of ['server', 'username', 'password', 'user', 'image_pull_secret', 'use_host_auth']) {
    const v = c[k];
    if (v === undefined || v === null || v === '' || v === false) continue;
    out.push(`config.${k}`);
  }
  return out;
}
