// Which parts of a deployment reach into the host itself. A token that may deploy into a namespace
// must not thereby own the machine: a privileged container, the host network namespace or a bind
// mount of a host path outside the allow-list is reserved to the `admin` scope (see src/api/host-access.ts).
// Pure: symlink resolution is injected, so the rules are tested without a filesystem.
import { posix } from 'node:path';
import type { DeploymentSpec, Violation } from './deployment.js';

/**
 * Host paths that no allow-list entry opens up to non-admin tokens: binding them, anything below
 * them, or any directory above them (`/`, `/var`) gives control of the host or of its container engine.
 */
export const PROTECTED_HOST_PATHS: readonly string[] = [
  '/etc', '/root', '/boot', '/dev', '/proc', '/sys', '/run', '/var/run', '/var/lib/docker', '/var/lib/containerd',
  '/var/lib/containers', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64',
];

export interface HostAccessPolicy {
  /** Host directories (and what is below them) that non-admin tokens may bind-mount. Empty = none. */
  bindMountAllow: readonly string[];
  /** More protected paths, e.g. the configured Docker socket. */
  protectedPaths?: readonly string[];
  /** Resolves symlinks in an absolute host path (the API passes the filesystem's); identity when absent. */
  realpath?: (path: string) => string;
}

export type HostAccessSpec = Pick<DeploymentSpec, 'runtime' | 'image' | 'config' | 'network' | 'volumes'>;

/** Runtimes whose `image` is a disk image on the host, opened read-write by the VM. */
const HOST_IMAGE_RUNTIMES = new Set(['cloud-hypervisor', 'firecracker']);

/** `/a/./b/../c/` → `/a/c`; null when the path is not absolute. */
export function normalizeHostPath(p: string): string | null {
  if (typeof p !== 'string' || !p.startsWith('/')) return null;
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** True when `p` is `dir` or below it. */
export function isWithin(p: string, dir: string): boolean {
  return dir === '/' || p === dir || p.startsWith(`${dir}/`);
}

/**
 * Whether a non-admin token may use this host path: inside an allow-list entry, and neither inside nor
 * above a protected path — checked on the path as written and on its symlink-resolved form, so a
 * link planted inside an allowed directory does not lead out of it.
 */
export function hostPathAllowed(path: string, policy: HostAccessPolicy): boolean {
  const literal = normalizeHostPath(path);
  if (literal === null) return false;
  const real = policy.realpath ?? ((p: string) => p);
  const resolved = normalizeHostPath(real(literal)) ?? literal;
  const allow = policy.bindMountAllow.flatMap((a) => {
    const n = normalizeHostPath(a);
    return n === null ? [] : [n, normalizeHostPath(real(n)) ?? n];
  });
  const guarded = [...PROTECTED_HOST_PATHS, ...(policy.protectedPaths ?? [])].flatMap((g) => {
    const n = normalizeHostPath(g);
    return n === null ? [] : [n, normalizeHostPath(real(n)) ?? n];
  });
  return [literal, resolved].every((p) =>
    allow.some((a) => isWithin(p, a)) && !guarded.some((g) => isWithin(p, g) || isWithin(g, p)));
}

/** Every host-access feature the spec uses that a non-admin token may not, each at its field. */
export function hostAccessViolations(spec: HostAccessSpec, policy: HostAccessPolicy): Violation[] {
  const out: Violation[] = [];
  if (spec.config?.user?.privileged === true) {
    out.push({ property_path: 'config.user.privileged', code: 'deployment.privileged.forbidden',
      message: 'a privileged container controls the host: only a token with the admin scope may create one' });
  }
  if (spec.network?.mode === 'host') {
    out.push({ property_path: 'network.mode', code: 'deployment.network.host_forbidden',
      message: 'the host network namespace is reserved to tokens with the admin scope' });
  }
  (spec.volumes ?? []).forEach((v, i) => {
    if (v.type !== 'bind') return;
    if (!hostPathAllowed(v.source ?? '', policy)) {
      out.push({ property_path: `volumes[${i}].source`, code: 'deployment.volumes.bind_forbidden',
        message: `bind mount of host path '${v.source ?? ''}' is outside the allow-list ${describeAllow(policy)}: only a token with the admin scope may mount it` });
    }
  });
  if (HOST_IMAGE_RUNTIMES.has(spec.runtime) && !hostPathAllowed(spec.image, policy)) {
    out.push({ property_path: 'image', code: 'deployment.image.host_path_forbidden',
      message: `disk image '${spec.image}' is outside the bind-mount allow-list ${describeAllow(policy)}: only a token with the admin scope may boot it` });
  }
  return out;
}

function describeAllow(policy: HostAccessPolicy): string {
  return policy.bindMountAllow.length ? `(${policy.bindMountAllow.join(', ')})` : '(empty; set [server.security] bind_mount_allow)';
}
