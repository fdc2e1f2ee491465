// Replicas checked against the host that will run them (issue 9: "a sane documented maximum checked
// against the host"). LIMITS.deployment.replicas is the structural ceiling any host gets; this is
// the one the host itself sets: a deployment whose instances declare memory cannot ask for more,
// all replicas together, than the runtime host has in total. Such a spec could never run in full —
// per-instance admission would refuse the later instances with insufficient_resources — so it is
// refused at POST with the arithmetic, instead of accepted and left half-running.
//
// Memory only, like the per-instance admission (requests.memory, else limits.memory): CPU limits
// are ceilings that instances share, not reservations, so overcommitting them is normal. Total
// memory, not available memory: what is free changes from second to second, and the admission of
// each instance already checks that.
import type { DeploymentSpec, Violation } from './deployment.js';
import { parseMemory } from './quantities.js';

export interface HostCapacity {
  /** Total memory of the machine the runtime places instances on. */
  memoryBytes: number;
  /** Who that is, for the message: "the Docker host". */
  host: string;
}

const MiB = 1024 * 1024;

/** Memory one instance declares, and which field declared it; null = not declared (not gated). */
export function instanceMemory(spec: Pick<DeploymentSpec, 'resources'>): { bytes: number; field: string } | null {
  for (const [field, text] of [['resources.requests.memory', spec.resources?.requests?.memory], ['resources.limits.memory', spec.resources?.limits?.memory]] as const) {
    if (text === undefined || text === null || text === '') continue;
    const bytes = parseMemory(text);
    // An unparseable value is validateDeployment's violation; nothing to add here.
    return bytes === null || bytes <= 0 ? null : { bytes, field };
  }
  return null;
}

/** Violations for replicas (and autoscale.max, the most the autoscaler may run) beyond the host. */
export function hostCapacityViolations(spec: Pick<DeploymentSpec, 'replicas' | 'resources' | 'autoscale'>, capacity: HostCapacity | null): Violation[] {
  if (!capacity || !(capacity.memoryBytes > 0)) return [];
  const per = instanceMemory(spec);
  if (!per) return [];
  const out: Violation[] = [];
  const check = (path: string, count: unknown) => {
    if (typeof count !== 'number' || !Number.isInteger(count) || count <= 0) return;
    const total = count * per.bytes;
    if (total <= capacity.memoryBytes) return;
    const fit = Math.floor(capacity.memoryBytes / per.bytes);
    out.push({
      property_path: path,
      code: 'deployment.replicas.exceeds_host_memory',
      message: `${count} instances × ${mib(per.bytes)} (${per.field}) = ${mib(total)}, more than the ${mib(capacity.memoryBytes, Math.floor)} of memory ${capacity.host} has in total; at most ${fit} fit — lower ${path} or ${per.field}`,
    });
  };
  check('replicas', spec.replicas);
  if (spec.autoscale) check('autoscale.max', spec.autoscale.max);
  return out;
}

/** Needs round up and the host's total rounds down, so the message never shows "17 MiB > 17 MiB". */
function mib(bytes: number, round: (x: number) => number = Math.ceil): string {
  return `${round(bytes / MiB)} MiB`;
}
