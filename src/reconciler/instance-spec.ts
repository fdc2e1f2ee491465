// A deployment row → the InstanceSpec a runtime creates. Secrets and configs arrive through
// injected resolvers (the store decrypts; this module never sees SQL or keys). A value that can't
// be resolved yields an error event instead of a spec: the deployment keeps its status and runs
// no container (RING.md §5.2, §15 "missing secret → creating + event"). A missing config or
// config key is the one exception: the deployment moves to `config_error`, a counted failure
// retried with backoff (RING §14 "config_error never set", done better here).
//
// A resolver that throws is naming a problem with a value that exists (a secret sealed under
// another key, a config whose data is not a JSON object, the database failing): Ring's
// `secret_load_error` / `config_load_error` (RING §7.1), apart from the `*_resolution_error` of a
// name that is not there; its message becomes the event's.
import type { Deployment, HealthCheckSpec, VolumeSpec } from '../domain/deployment.js';
import { parsePullSecret } from '../domain/registry-credentials.js';
import { parseDuration } from '../domain/durations.js';
import { parseCpu, parseMemory } from '../domain/quantities.js';
import type { FileMountSpec, InstanceSpec, MountSpec, RegistryAuth } from '../runtime/runtime.js';
import type { NewEvent } from '../store/events.js';

/** The decrypted value of a namespace secret, or undefined when there is none. */
export type SecretResolver = (namespace: string, name: string) => string | undefined;
/** A namespace config's key → content map, or undefined when there is none. */
export type ConfigResolver = (namespace: string, name: string) => Record<string, string> | undefined;

export interface SpecResolvers {
  resolveSecret?: SecretResolver;
  resolveConfig?: ConfigResolver;
}

/** `configError`: the failure is a missing config or key, which takes the deployment to `config_error`. */
export type SpecResult = { ok: true; spec: InstanceSpec } | { ok: false; event: NewEvent; configError: boolean };

class Unresolved extends Error {
  constructor(readonly reason: string, message: string, readonly configError = false) {
    super(message);
  }
}

/**
 * Calls a resolver; what it throws (the value exists but cannot be loaded) becomes a
 * `secret_load_error` or `config_load_error` (RING §7.1). `configError` as for a missing one.
 */
function ask<T>(what: 'secret' | 'config', configError: boolean, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new Unresolved(`${what}_load_error`, `Failed to load ${what}s: ${err instanceof Error ? err.message : String(err)}`, configError);
  }
}

export function buildInstanceSpec(d: Deployment, resolvers: SpecResolvers = {}): SpecResult {
  try {
    return { ok: true, spec: build(d, resolvers) };
  } catch (err) {
    if (err instanceof Unresolved) {
      return {
        ok: false,
        event: { level: 'error', component: 'scheduler', reason: err.reason, message: err.message },
        configError: err.configError,
      };
    }
    throw err;
  }
}

function build(d: Deployment, r: SpecResolvers): InstanceSpec {
  const cfg = d.config ?? {};
  const files: FileMountSpec[] = [];
  const mounts: MountSpec[] = [];
  for (const v of d.volumes ?? []) resolveVolume(d, v, r, mounts, files);

  const user = cfg.user;
  const userText = user?.id !== undefined && user.id !== null && `${user.id}` !== ''
    ? (user.group !== undefined && user.group !== null && `${user.group}` !== '' ? `${user.id}:${user.group}` : `${user.id}`)
    : undefined;

  const limits = d.resources?.limits ?? {};
  const requests = d.resources?.requests ?? {};
  const nanoCpus = limits.cpu ? parseCpu(limits.cpu) : null;
  const memoryBytes = limits.memory ? parseMemory(limits.memory) : null;
  const memoryReservationBytes = requests.memory ? parseMemory(requests.memory) : null;
  const healthcheck = dockerHealthcheck(d.health_checks ?? []);
  const auth = registryAuth(d, r);

  return {
    deploymentId: d.id,
    namespace: d.namespace,
    name: d.name,
    image: d.image,
    pullPolicy: cfg.image_pull_policy ?? 'Always',
    ...(auth ? { auth } : {}),
    ...(cfg.use_host_auth === true ? { useHostAuth: true } : {}),
    command: [...(d.command ?? [])],
    env: resolveEnv(d, r),
    labels: { ...(d.labels ?? {}) },
    ports: (d.ports ?? []).map((p) => ({
      published: p.published,
      target: p.target,
      hostIp: p.host_ip && p.host_ip !== '' ? p.host_ip : '0.0.0.0',
      protocol: p.protocol ?? 'tcp',
    })),
    mounts,
    files,
    networkMode: d.network?.mode ?? 'bridge',
    ...(userText ? { user: userText } : {}),
    privileged: user?.privileged === true,
    ...(nanoCpus !== null ? { nanoCpus } : {}),
    ...(memoryBytes !== null ? { memoryBytes } : {}),
    ...(memoryReservationBytes !== null ? { memoryReservationBytes } : {}),
    ...(healthcheck ? { healthcheck } : {}),
  };
}

function resolveEnv(d: Deployment, r: SpecResolvers): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(d.environment ?? {})) {
    if (typeof value === 'string') {
      env[key] = value;
      continue;
    }
    const secret = ask('secret', false, () => r.resolveSecret?.(d.namespace, value.secretRef));
    if (secret === undefined) {
      throw new Unresolved('secret_resolution_error',
        `Failed to resolve secrets: Secret '${value.secretRef}' not found in namespace '${d.namespace}'`);
    }
    env[key] = secret;
  }
  return env;
}

/**
 * Inline credentials, or an image_pull_secret holding a Docker config.json or
 * `{server?, username, password}` (domain/registry-credentials.ts); messages never quote the value.
 */
function registryAuth(d: Deployment, r: SpecResolvers): RegistryAuth | undefined {
  const cfg = d.config ?? {};
  if (cfg.image_pull_secret) {
    const name = cfg.image_pull_secret;
    const raw = ask('secret', false, () => r.resolveSecret?.(d.namespace, name));
    if (raw === undefined) {
      throw new Unresolved('image_pull_secret_resolution_error', `image_pull_secret '${name}' not found in namespace '${d.namespace}'`);
    }
    const parsed = parsePullSecret(raw, d.image);
    if (!parsed.ok) {
      throw new Unresolved('image_pull_secret_resolution_error',
        `image_pull_secret '${name}' in namespace '${d.namespace}' ${parsed.reason}`);
    }
    return parsed.credentials;
  }
  if (cfg.username && cfg.password) {
    return { username: cfg.username, password: cfg.password, ...(cfg.server ? { serveraddress: cfg.server } : {}) };
  }
  return undefined;
}

function resolveVolume(d: Deployment, v: VolumeSpec, r: SpecResolvers, mounts: MountSpec[], files: FileMountSpec[]): void {
  const readOnly = v.permission === 'ro';
  switch (v.type) {
    case 'bind':
      mounts.push({ type: 'bind', source: v.source ?? '', destination: v.destination, readOnly });
      return;
    case 'volume':
      mounts.push({
        type: 'volume', source: v.source ?? '', destination: v.destination, readOnly,
        ...(v.driver && v.driver !== 'local' ? { driver: v.driver } : {}),
        // Who made it, for an operator listing `docker volume ls` (RING §4.4); ring.managed is the runtime's.
        labels: { 'ring.namespace': d.namespace, 'ring.deployment': d.name },
      });
      return;
    case 'config': {
      const name = v.source ?? '';
      const data = ask('config', true, () => r.resolveConfig?.(d.namespace, name));
      if (data === undefined) throw new Unresolved('volume_resolution_error', `Failed to resolve volumes: Config '${name}' not found`, true);
      if (v.key !== undefined && v.key !== '') {
        const content = Object.hasOwn(data, v.key) ? data[v.key] : undefined;
        if (content === undefined) {
          throw new Unresolved('volume_resolution_error', `Failed to resolve volumes: Key '${v.key}' not found in config '${name}'`, true);
        }
        files.push({ destination: v.destination, content: Buffer.from(content) });
      } else {
        // Whole config: one file per key under the destination directory.
        for (const [key, content] of Object.entries(data)) {
          files.push({ destination: `${v.destination.replace(/\/+$/, '')}/${key}`, content: Buffer.from(content) });
        }
      }
      return;
    }
    case 'secret': {
      const name = v.source ?? '';
      const value = ask('secret', false, () => r.resolveSecret?.(d.namespace, name));
      if (value === undefined) throw new Unresolved('volume_resolution_error', `Failed to resolve volumes: Secret '${name}' not found`);
      files.push({ destination: v.destination, content: Buffer.from(value) });
      return;
    }
    default: {
      const never: never = v.type;
      throw new Unresolved('volume_resolution_error', `Failed to resolve volumes: unsupported volume type '${String(never)}'`);
    }
  }
}

/** Docker HEALTHCHECK from the first readiness command check (RING §6). */
function dockerHealthcheck(checks: HealthCheckSpec[]): InstanceSpec['healthcheck'] | undefined {
  const c = checks.find((h) => h.readiness === true && h.type === 'command' && h.command);
  if (!c || !c.command) return undefined;
  const ns = (s: string | undefined, fallback: number): number => {
    const ms = s ? parseDuration(s) : null;
    return Math.round((ms ?? fallback) * 1_000_000);
  };
  return {
    test: ['CMD-SHELL', c.command],
    intervalNs: ns(c.interval, 30_000),
    timeoutNs: ns(c.timeout, 30_000),
    retries: c.threshold ?? 3,
    startPeriodNs: ns(c.start_period, 0),
  };
}
