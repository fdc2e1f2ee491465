// Semantic validation of a POST /deployments body (RING.md §3.4 "Validation" table), plus the
// checks Ring lacks (§14): name, namespace, image, replicas and health-check fields.
// Pure: no I/O. Every violation is accumulated; the order is stable (see validateDeployment).
import { isIP } from 'node:net';
import type {
  DeploymentConfig, DeploymentSpec, EnvValue, HealthCheckSpec, PortSpec, Violation, VolumeSpec,
} from './deployment.js';
import { KINDS, RUNTIMES } from './status.js';
import { parseCpu, parseMemory } from './quantities.js';
import { parseDuration } from './durations.js';

// ---------------------------------------------------------------------------------------------
// Patterns and limits

export const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const NAMESPACE_MIN_LENGTH = 2;
export const NAMESPACE_MAX_LENGTH = 63;
export const DEPLOYMENT_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const DEPLOYMENT_NAME_MAX_LENGTH = 63;
export const IMAGE_PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export const DEFAULT_IMAGE_PULL_POLICY = 'Always';
export const ON_FAILURE_ACTIONS = ['restart', 'stop', 'alert'] as const;
export const HEALTH_CHECK_TYPES = ['tcp', 'http', 'command'] as const;
export const VOLUME_TYPES = ['bind', 'volume', 'config', 'secret'] as const;
export const VOLUME_DRIVERS = ['local', 'nfs'] as const;
export const VOLUME_PERMISSIONS = ['ro', 'rw'] as const;
export const PORT_PROTOCOLS = ['tcp', 'udp'] as const;
export const NETWORK_MODES = ['bridge', 'host'] as const;
/** Runtimes that can run a workload in the host network namespace. */
export const HOST_NETWORK_RUNTIMES = ['docker', 'podman'] as const;

// ---------------------------------------------------------------------------------------------
// Small helpers

function v(property_path: string, message: string, code: string): Violation {
  return { property_path, message, code };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function includes<T extends string>(list: readonly T[], x: unknown): x is T {
  return typeof x === 'string' && (list as readonly string[]).includes(x);
}

/** A string with something other than whitespace in it. */
function nonBlank(x: unknown): x is string {
  return typeof x === 'string' && x.trim() !== '';
}

function isPort(x: unknown): boolean {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 65535;
}

function asArray(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

function show(x: unknown): string {
  return typeof x === 'string' ? `'${x}'` : JSON.stringify(x) ?? String(x);
}

// ---------------------------------------------------------------------------------------------
// Namespace names (shared by deployments, namespaces, secrets, configs, volumes)

/**
 * Namespace-name rules (§3.5): 2–63 characters and `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`.
 * Length and format are checked independently, so "-" yields both. Codes are
 * `<codePrefix>.length` and `<codePrefix>.format`, both at `path`.
 */
export function namespaceViolations(value: unknown, path: string, codePrefix: string): Violation[] {
  const out: Violation[] = [];
  const s = typeof value === 'string' ? value : '';
  if (s.length < NAMESPACE_MIN_LENGTH || s.length > NAMESPACE_MAX_LENGTH) {
    out.push(v(path, `must be between ${NAMESPACE_MIN_LENGTH} and ${NAMESPACE_MAX_LENGTH} characters long`, `${codePrefix}.length`));
  }
  if (!NAMESPACE_RE.test(s)) {
    out.push(v(path, 'must consist of lowercase letters, digits and \'-\', and start and end with a letter or digit', `${codePrefix}.format`));
  }
  return out;
}

/** POST /namespaces: `validateNamespaceName(name, 'namespace')` → codes `namespace.name.length` / `namespace.name.format` at path `name`. */
export function validateNamespaceName(name: string, prefix: string): Violation[] {
  return namespaceViolations(name, 'name', `${prefix}.name`);
}

// ---------------------------------------------------------------------------------------------
// Problem details

/** The `detail` string of a validation problem: one `<path>: <message>` line per violation. */
export function toProblemDetail(violations: readonly Violation[]): string {
  return violations.map((x) => `${x.property_path}: ${x.message}`).join('\n');
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  violations: Violation[];
}

/** The full 422 `application/problem+json` body (§3.1) for a list of violations. */
export function validationProblem(violations: readonly Violation[]): ProblemDetails {
  return {
    type: 'about:blank',
    title: 'Validation failed',
    status: 422,
    detail: toProblemDetail(violations),
    violations: violations.map((x) => ({ ...x })),
  };
}

// ---------------------------------------------------------------------------------------------
// Defaults

/** What a client may send: the four required fields plus any of the rest (null counts as absent). */
export type DeploymentInput =
  Pick<DeploymentSpec, 'name' | 'namespace' | 'runtime' | 'image'>
  & { [K in Exclude<keyof DeploymentSpec, 'name' | 'namespace' | 'runtime' | 'image'>]?: DeploymentSpec[K] | null };

/**
 * Fills the API defaults of §3.4 at the top level only: kind `worker`, replicas 1, command [],
 * environment {}, labels {}, ports [], volumes [], config {}, health_checks []. Optional blocks
 * (resources, network, autoscale) sent as null are dropped.
 *
 * Decision: the stored body stays faithful to what the client sent below the top level —
 * `config.image_pull_policy`, `ports[i].protocol` and `ports[i].host_ip` are NOT written in;
 * readers use effectiveImagePullPolicy / effectivePortProtocol / effectivePortHostIp.
 * Volume `driver`/`permission` are required by the API and are not defaulted here (the CLI
 * fills them, §4.4). Unknown extra keys are dropped. The input is not mutated.
 */
export function applyDeploymentDefaults(body: DeploymentInput): DeploymentSpec {
  const spec: DeploymentSpec = {
    name: body.name,
    namespace: body.namespace,
    runtime: body.runtime,
    kind: body.kind ?? 'worker',
    image: body.image,
    replicas: body.replicas ?? 1,
    command: body.command ?? [],
    environment: body.environment ?? {},
    labels: body.labels ?? {},
    ports: body.ports ?? [],
    volumes: body.volumes ?? [],
    config: body.config ?? {},
    health_checks: body.health_checks ?? [],
  };
  if (body.resources != null) spec.resources = body.resources;
  if (body.network != null) spec.network = body.network;
  if (body.autoscale != null) spec.autoscale = body.autoscale;
  return spec;
}

/** `config.image_pull_policy`, defaulting to `Always` (§3.4). */
export function effectiveImagePullPolicy(config: DeploymentConfig | undefined | null): NonNullable<DeploymentConfig['image_pull_policy']> {
  return config?.image_pull_policy ?? DEFAULT_IMAGE_PULL_POLICY;
}

/** `ports[i].protocol`, defaulting to `tcp`. */
export function effectivePortProtocol(port: PortSpec): NonNullable<PortSpec['protocol']> {
  return port.protocol ?? 'tcp';
}

/** `ports[i].host_ip`, defaulting to `0.0.0.0` (an empty string also means the default). */
export function effectivePortHostIp(port: PortSpec): string {
  return port.host_ip == null || port.host_ip === '' ? '0.0.0.0' : port.host_ip;
}

// ---------------------------------------------------------------------------------------------
// Deployment validation

/**
 * All violations of a deployment body, in this order:
 *  1. beyond Ring: `name` (length, format), `namespace` (length, format), `image` (required),
 *     `replicas` (integer ≥ 0), `kind` (worker|job);
 *  2. the §3.4 Validation table, row by row (volume rules per volume, port rules per port);
 *  3. beyond Ring: health-check fields, per check.
 * The body is treated as untrusted JSON: wrong types produce violations, never exceptions.
 */
export function validateDeployment(body: DeploymentSpec): Violation[] {
  const b: Record<string, unknown> = isObject(body) ? (body as unknown as Record<string, unknown>) : {};
  const out: Violation[] = [];

  const runtime = b.runtime;
  const isCH = runtime === 'cloud-hypervisor';
  const kind = b.kind ?? 'worker';
  const replicasRaw = b.replicas ?? 1;
  const replicas = typeof replicasRaw === 'number' ? replicasRaw : NaN;
  const ports = asArray(b.ports);
  const volumes = asArray(b.volumes);
  const healthChecks = asArray(b.health_checks);
  const config = isObject(b.config) ? b.config : {};
  const autoscale = b.autoscale == null ? undefined : b.autoscale;
  const network = isObject(b.network) ? b.network : undefined;

  // ---- 1. beyond Ring -----------------------------------------------------------------------
  const name = typeof b.name === 'string' ? b.name : '';
  if (name.length < 1 || name.length > DEPLOYMENT_NAME_MAX_LENGTH) {
    out.push(v('name', `must be between 1 and ${DEPLOYMENT_NAME_MAX_LENGTH} characters long`, 'deployment.name.length'));
  }
  if (!DEPLOYMENT_NAME_RE.test(name)) {
    out.push(v('name', 'must start with a letter or digit and contain only letters, digits, \'_\', \'.\' and \'-\'', 'deployment.name.format'));
  }
  out.push(...namespaceViolations(b.namespace, 'namespace', 'deployment.namespace'));
  if (!nonBlank(b.image)) {
    out.push(v('image', 'image is required', 'deployment.image.required'));
  }
  if (!Number.isInteger(replicas) || replicas < 0) {
    out.push(v('replicas', `must be an integer greater than or equal to 0, got ${show(replicasRaw)}`, 'deployment.replicas.invalid'));
  }
  if (!includes(KINDS, kind)) {
    out.push(v('kind', `kind ${show(kind)} is not supported (supported: ${KINDS.join(', ')})`, 'deployment.kind.unsupported'));
  }

  // ---- 2. the Ring table --------------------------------------------------------------------
  // runtime
  if (!includes(RUNTIMES, runtime)) {
    out.push(v('runtime', `runtime ${show(runtime)} is not supported (supported: ${RUNTIMES.join(', ')})`, 'deployment.runtime.unsupported'));
  }

  // volumes: destination, source, config source/key, permission, secret key
  volumes.forEach((raw, i) => {
    const p = `volumes[${i}]`;
    if (!isObject(raw)) {
      out.push(v(p, 'must be an object', 'deployment.volumes.invalid'));
      return;
    }
    const vol = raw as Partial<Record<keyof VolumeSpec, unknown>>;
    if (!nonBlank(vol.destination)) {
      out.push(v(`${p}.destination`, 'destination cannot be empty', 'destination cannot be empty'));
    }
    const type = vol.type;
    if (!includes(VOLUME_TYPES, type)) {
      out.push(v(`${p}.type`, `volume type ${show(type)} is not supported (supported: ${VOLUME_TYPES.join(', ')})`, 'deployment.volumes.type.unsupported'));
    } else if (type === 'bind' || type === 'volume' || type === 'secret') {
      const what = type === 'bind' ? 'bind' : type === 'volume' ? 'named' : 'secret';
      if (vol.source == null) {
        const msg = `source is required for ${what} volumes`;
        out.push(v(`${p}.source`, msg, msg));
      } else if (!nonBlank(vol.source)) {
        out.push(v(`${p}.source`, 'source cannot be empty', 'source cannot be empty'));
      }
    } else {
      // config
      if (vol.source == null) out.push(v(`${p}.source`, 'source is required for config volumes', 'required'));
      else if (!nonBlank(vol.source)) out.push(v(`${p}.source`, 'source cannot be empty', 'empty'));
      if (vol.key == null) out.push(v(`${p}.key`, 'key is required for config volumes', 'required'));
      else if (!nonBlank(vol.key)) out.push(v(`${p}.key`, 'key cannot be empty', 'empty'));
    }
    if (!includes(VOLUME_PERMISSIONS, vol.permission)) {
      out.push(v(`${p}.permission`, `permission ${show(vol.permission)} is not supported (supported: ro, rw)`, 'deployment.volumes.permission.unsupported'));
    } else if ((type === 'config' || type === 'secret') && vol.permission !== 'ro') {
      out.push(v(`${p}.permission`, `${type} volumes must be mounted read-only (permission: ro)`, 'invalid_permission'));
    }
    if (type === 'secret' && vol.key != null) {
      out.push(v(`${p}.key`, 'key is not supported for secret volumes', 'unexpected_field'));
    }
    if (!includes(VOLUME_DRIVERS, vol.driver)) {
      out.push(v(`${p}.driver`, `driver ${show(vol.driver)} is not supported (supported: local, nfs)`, 'deployment.volumes.driver.unsupported'));
    }
  });

  // cloud-hypervisor: command, image
  if (isCH && asArray(b.command).length > 0) {
    out.push(v('command', 'command is not supported by the cloud-hypervisor runtime', 'deployment.command.cloud_hypervisor_unsupported'));
  }
  if (isCH && nonBlank(b.image) && !b.image.startsWith('/')) {
    out.push(v('image', 'the cloud-hypervisor runtime requires an absolute path to a disk image', 'deployment.image.cloud_hypervisor_requires_absolute_path'));
  }

  // network mode
  const mode = network?.mode;
  if (network !== undefined && !includes(NETWORK_MODES, mode)) {
    out.push(v('network.mode', `network mode ${show(mode)} is not supported (supported: bridge, host)`, 'deployment.network.mode.unsupported'));
  }
  if (mode === 'host') {
    if (!includes(HOST_NETWORK_RUNTIMES, runtime)) {
      out.push(v('network.mode', `host network mode is only supported by the docker and podman runtimes, not ${show(runtime)}`, 'deployment.network.host_runtime_unsupported'));
    }
    if (ports.length > 0) {
      out.push(v('ports', 'ports cannot be published in host network mode', 'deployment.ports.host_network_conflict'));
    }
    if (replicas > 1) {
      out.push(v('replicas', 'host network mode allows at most 1 replica', 'deployment.replicas.host_network_conflict'));
    }
    if (isObject(autoscale) && typeof autoscale.max === 'number' && autoscale.max > 1) {
      out.push(v('autoscale.max', 'host network mode allows at most 1 replica', 'deployment.autoscale.host_network_conflict'));
    }
  }

  // ports: range, host_ip, duplicates (flagged on the later index)
  const seenPorts = new Set<string>();
  ports.forEach((raw, i) => {
    const p = `ports[${i}]`;
    if (!isObject(raw)) {
      out.push(v(p, 'must be an object', 'deployment.ports.invalid'));
      return;
    }
    const port = raw as Partial<Record<keyof PortSpec, unknown>>;
    const publishedOk = isPort(port.published);
    if (!publishedOk) {
      out.push(v(`${p}.published`, `published port must be between 1 and 65535, got ${show(port.published)}`, 'deployment.ports.published.out_of_range'));
    }
    if (!isPort(port.target)) {
      out.push(v(`${p}.target`, `target port must be between 1 and 65535, got ${show(port.target)}`, 'deployment.ports.target.out_of_range'));
    }
    if (port.host_ip != null && (typeof port.host_ip !== 'string' || isIP(port.host_ip) === 0)) {
      out.push(v(`${p}.host_ip`, `${show(port.host_ip)} is not a valid IP address`, 'deployment.ports.host_ip.invalid'));
    }
    const protocol = port.protocol ?? 'tcp';
    if (!includes(PORT_PROTOCOLS, protocol)) {
      out.push(v(`${p}.protocol`, `protocol ${show(protocol)} is not supported (supported: tcp, udp)`, 'deployment.ports.protocol.unsupported'));
    }
    if (publishedOk) {
      const key = `${String(port.published)}/${String(protocol)}`;
      if (seenPorts.has(key)) {
        out.push(v(`${p}.published`, `port ${String(port.published)}/${String(protocol)} is published more than once`, 'deployment.ports.published.duplicate'));
      }
      seenPorts.add(key);
    }
  });

  // environment
  if (b.environment != null && !isObject(b.environment)) {
    out.push(v('environment', 'must be a map of variable names to values', 'deployment.environment.invalid'));
  }
  for (const [key, value] of Object.entries(isObject(b.environment) ? b.environment : {})) {
    const p = `environment.${key}`;
    if (!ENV_KEY_RE.test(key)) {
      out.push(v(p, 'variable names must match ^[A-Za-z_][A-Za-z0-9_]*$', 'deployment.environment.key.invalid'));
    }
    if (!isEnvValue(value)) {
      out.push(v(p, 'value must be a string or {"secretRef": "<secret name>"}', 'deployment.environment.value.invalid'));
    }
  }

  // resources
  if (b.resources != null) {
    if (!isObject(b.resources)) {
      out.push(v('resources', 'must be an object', 'deployment.resources.invalid'));
    } else {
      for (const kindKey of ['limits', 'requests'] as const) {
        const block = b.resources[kindKey];
        if (block == null) continue;
        if (!isObject(block)) {
          out.push(v(`resources.${kindKey}`, 'must be an object', `deployment.resources.${kindKey}.invalid`));
          continue;
        }
        if (block.cpu != null && (typeof block.cpu !== 'string' || parseCpu(block.cpu) === null)) {
          out.push(v(`resources.${kindKey}.cpu`, `invalid CPU quantity ${show(block.cpu)} (expected cores like "0.5" or milli-CPUs like "500m")`, `deployment.resources.${kindKey}.cpu.invalid`));
        }
        if (block.memory != null && (typeof block.memory !== 'string' || parseMemory(block.memory) === null)) {
          out.push(v(`resources.${kindKey}.memory`, `invalid memory quantity ${show(block.memory)} (expected bytes or a Ki/Mi/Gi/Ti/K/M/G/T suffix, like "128Mi")`, `deployment.resources.${kindKey}.memory.invalid`));
        }
      }
    }
  }

  // autoscale
  if (autoscale !== undefined) {
    if (!isObject(autoscale)) {
      out.push(v('autoscale', 'must be an object {min, max, target_cpu}', 'deployment.autoscale.invalid'));
    } else {
      const { min, max, target_cpu: target } = autoscale;
      const minOk = typeof min === 'number' && Number.isInteger(min) && min >= 1;
      if (!minOk) out.push(v('autoscale.min', `min must be an integer greater than or equal to 1, got ${show(min)}`, 'deployment.autoscale.invalid'));
      if (!(typeof max === 'number' && Number.isInteger(max) && (minOk ? max >= (min as number) : max >= 1))) {
        out.push(v('autoscale.max', `max must be an integer greater than or equal to min, got ${show(max)}`, 'deployment.autoscale.invalid'));
      }
      if (!(typeof target === 'number' && target > 0 && target < 100)) {
        out.push(v('autoscale.target_cpu', `target_cpu must be greater than 0 and less than 100, got ${show(target)}`, 'deployment.autoscale.invalid'));
      }
    }
    if (runtime === 'containerd') {
      out.push(v('autoscale', 'autoscaling is not supported by the containerd runtime', 'deployment.autoscale.runtime_unsupported'));
    }
  }

  // config
  if (config.image_pull_policy != null && !includes(IMAGE_PULL_POLICIES, config.image_pull_policy)) {
    out.push(v('config.image_pull_policy', `image_pull_policy ${show(config.image_pull_policy)} is not supported (supported: ${IMAGE_PULL_POLICIES.join(', ')})`, 'deployment.config.image_pull_policy.unsupported'));
  }
  const inlineCreds = ['server', 'username', 'password'].filter((k) => nonBlank(config[k]));
  const useHostAuth = config.use_host_auth === true;
  if (useHostAuth && inlineCreds.length > 0) {
    out.push(v('config.use_host_auth', `use_host_auth cannot be combined with ${inlineCreds.join(', ')}`, 'deployment.config.use_host_auth.conflict'));
  }
  if (nonBlank(config.image_pull_secret) && (inlineCreds.length > 0 || useHostAuth)) {
    const with_ = [...inlineCreds, ...(useHostAuth ? ['use_host_auth'] : [])];
    out.push(v('config.image_pull_secret', `image_pull_secret cannot be combined with ${with_.join(', ')}`, 'deployment.config.image_pull_secret.conflict'));
  }

  // ports + replicas
  if (ports.length > 0 && replicas > 1) {
    out.push(v('ports', 'published ports cannot be used with more than 1 replica (the host port can only be bound once)', 'deployment.ports.replicas_conflict'));
    out.push(v('replicas', 'more than 1 replica cannot be used with published ports', 'deployment.replicas.ports_conflict'));
  }

  // shared rw named volumes
  if (replicas > 1) {
    volumes.forEach((vol, i) => {
      if (isObject(vol) && vol.type === 'volume' && vol.permission === 'rw') {
        out.push(v(`volumes[${i}].permission`, 'a named volume mounted read-write cannot be shared by more than 1 replica', 'deployment.volumes.shared_rw_replicas'));
      }
    });
  }

  // jobs
  if (kind === 'job') {
    if (replicas !== 1) {
      out.push(v('replicas', 'a job must have exactly 1 replica', 'deployment.replicas.job_must_be_one'));
    }
    if (autoscale !== undefined) {
      out.push(v('autoscale', 'autoscaling is not supported for jobs', 'deployment.autoscale.job_unsupported'));
    }
    healthChecks.forEach((hc, i) => {
      if (isObject(hc) && hc.readiness === true) {
        out.push(v(`health_checks[${i}].readiness`, 'readiness checks are not supported for jobs', 'deployment.health_checks.job_readiness_unsupported'));
      }
    });
  }

  // ---- 3. beyond Ring: health-check fields ----------------------------------------------
  healthChecks.forEach((raw, i) => out.push(...healthCheckViolations(raw, `health_checks[${i}]`)));

  return out;
}

function isEnvValue(x: unknown): x is EnvValue {
  if (typeof x === 'string') return true;
  return isObject(x) && Object.keys(x).length === 1 && nonBlank(x.secretRef);
}

function healthCheckViolations(raw: unknown, p: string): Violation[] {
  const out: Violation[] = [];
  const code = (field: string) => `deployment.health_checks.${field}.invalid`;
  if (!isObject(raw)) return [v(p, 'must be an object', 'deployment.health_checks.invalid')];
  const hc = raw as Partial<Record<keyof HealthCheckSpec, unknown>>;

  if (!includes(HEALTH_CHECK_TYPES, hc.type)) {
    out.push(v(`${p}.type`, `type ${show(hc.type)} is not supported (supported: ${HEALTH_CHECK_TYPES.join(', ')})`, code('type')));
  } else if (hc.type === 'tcp' && !isPort(hc.port)) {
    out.push(v(`${p}.port`, `a tcp check needs a port between 1 and 65535, got ${show(hc.port)}`, code('port')));
  } else if (hc.type === 'http') {
    if (!nonBlank(hc.url)) out.push(v(`${p}.url`, 'an http check needs a url', code('url')));
    else if (!isHttpUrl(hc.url)) out.push(v(`${p}.url`, `${show(hc.url)} is not a valid http(s) URL`, code('url')));
  } else if (hc.type === 'command' && !nonBlank(hc.command)) {
    out.push(v(`${p}.command`, 'a command check needs a command', code('command')));
  }

  for (const field of ['interval', 'timeout'] as const) {
    const value = hc[field];
    if (value == null || value === '') {
      out.push(v(`${p}.${field}`, `${field} is required (a duration like "5s" or "500ms")`, code(field)));
    } else {
      const ms = typeof value === 'string' ? parseDuration(value) : null;
      if (ms === null || ms <= 0) {
        out.push(v(`${p}.${field}`, `invalid ${field} ${show(value)} (expected a positive duration like "5s", "500ms" or "1m30s")`, code(field)));
      }
    }
  }
  for (const field of ['min_healthy_time', 'start_period'] as const) {
    const value = hc[field];
    if (value != null && (typeof value !== 'string' || parseDuration(value) === null)) {
      out.push(v(`${p}.${field}`, `invalid ${field} ${show(value)} (expected a duration like "10s", "500ms" or "1m30s")`, code(field)));
    }
  }
  if (hc.threshold != null && !(typeof hc.threshold === 'number' && Number.isInteger(hc.threshold) && hc.threshold >= 1)) {
    out.push(v(`${p}.threshold`, `threshold must be an integer greater than or equal to 1, got ${show(hc.threshold)}`, code('threshold')));
  }
  if (hc.on_failure != null && !includes(ON_FAILURE_ACTIONS, hc.on_failure)) {
    out.push(v(`${p}.on_failure`, `on_failure ${show(hc.on_failure)} is not supported (supported: ${ON_FAILURE_ACTIONS.join(', ')})`, code('on_failure')));
  }
  if (hc.readiness != null && typeof hc.readiness !== 'boolean') {
    out.push(v(`${p}.readiness`, 'readiness must be true or false', code('readiness')));
  }
  return out;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
