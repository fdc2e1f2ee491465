// One validator per section of a deployment manifest. Each takes the untrusted body (wrong types
// produce violations, never exceptions) and returns its violations in a stable order; validateDeployment
// (validate-deployment.ts) calls them in the order of RING.md §3.4's table. The limits are LIMITS.deployment.
import { isIP } from 'node:net';
import type { Violation } from './deployment.js';
import { KINDS, RUNTIMES } from './status.js';
import { parseCpu, parseMemory, NANO_CPUS_PER_CORE } from './quantities.js';
import { LIMITS } from './limits.js';
import {
  DEPLOYMENT_NAME_MAX_LENGTH, DEPLOYMENT_NAME_RE, ENV_KEY_RE, FIELDS, HOST_NETWORK_RUNTIMES, IMAGE_PULL_POLICIES,
  NETWORK_MODES, NAMESPACE_MAX_LENGTH, NAMESPACE_MIN_LENGTH, NAMESPACE_RE, PORT_PROTOCOLS, VOLUME_DRIVERS,
  VOLUME_PERMISSIONS, VOLUME_TYPES,
} from './deployment-vocabulary.js';
import { asArray, hasNul, includes, isObject, isPort, nonBlank, show, tooLong, tooMany, unknownFields, v } from './validation-kit.js';

const L = LIMITS.deployment;

/** The body as the validators see it, with the views several sections share. */
export interface Body {
  b: Record<string, unknown>;
  runtime: unknown;
  kind: unknown;
  replicasRaw: unknown;
  /** NaN when replicas is not a number. */
  replicas: number;
  ports: unknown[];
  volumes: unknown[];
  healthChecks: unknown[];
  config: Record<string, unknown>;
  autoscale: unknown;
  network: Record<string, unknown> | undefined;
}

export function bodyOf(body: unknown): Body {
  const b: Record<string, unknown> = isObject(body) ? body : {};
  const replicasRaw = b.replicas ?? 1;
  return {
    b,
    runtime: b.runtime,
    kind: b.kind ?? 'worker',
    replicasRaw,
    replicas: typeof replicasRaw === 'number' ? replicasRaw : NaN,
    ports: asArray(b.ports),
    volumes: asArray(b.volumes),
    healthChecks: asArray(b.health_checks),
    config: isObject(b.config) ? b.config : {},
    autoscale: b.autoscale == null ? undefined : b.autoscale,
    network: isObject(b.network) ? b.network : undefined,
  };
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
    out.push(v(path, `must be ${NAMESPACE_MIN_LENGTH} to ${NAMESPACE_MAX_LENGTH} characters long`, `${codePrefix}.length`));
  }
  if (!NAMESPACE_RE.test(s)) {
    out.push(v(path, 'must contain only lowercase letters, digits and \'-\', and start and end with an alphanumeric character', `${codePrefix}.format`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sections

/** Fields outside the manifest's vocabulary, at the top level. */
export function topLevelViolations({ b }: Body): Violation[] {
  return unknownFields(b, FIELDS.deployment, '', 'deployment');
}

/** Beyond Ring: name, namespace, image, replicas (0…LIMITS.deployment.replicas), kind. */
export function identityViolations({ b, replicas, replicasRaw, kind }: Body): Violation[] {
  const out: Violation[] = [];
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
  } else {
    out.push(...tooLong(b.image, L.imageLength, 'image', 'deployment.image.length'));
    if (hasNul(b.image)) out.push(v('image', 'must not contain NUL characters', 'deployment.image.invalid'));
  }
  if (!Number.isInteger(replicas) || replicas < 0) {
    out.push(v('replicas', `must be an integer greater than or equal to 0, got ${show(replicasRaw)}`, 'deployment.replicas.invalid'));
  } else if (replicas > L.replicas) {
    out.push(v('replicas', `must be at most ${L.replicas} (the per-deployment maximum), got ${show(replicasRaw)}`, 'deployment.replicas.too_large'));
  }
  if (!includes(KINDS, kind)) {
    out.push(v('kind', `kind ${show(kind)} is not supported (supported: ${KINDS.join(', ')})`, 'deployment.kind.unsupported'));
  }
  return out;
}

export function runtimeViolations({ runtime }: Body): Violation[] {
  return includes(RUNTIMES, runtime) ? [] : [v('runtime', `runtime must be one of: ${RUNTIMES.join(', ')}, got ${show(runtime)}`, 'deployment.runtime.unsupported')];
}

/** A name a volume refers to (named volume, secret, config): never a path. */
function nameLikeSourceViolations(source: string, p: string): Violation[] {
  if (hasNul(source) || /[/\\]/.test(source) || source === '.' || source === '..') {
    return [v(`${p}.source`, `${show(source)} must be a name, not a path`, 'deployment.volumes.source.invalid')];
  }
  return tooLong(source, L.volumeNameLength, `${p}.source`, 'deployment.volumes.source.length');
}

/** Volumes: destination, source, config source/key, permission, secret key, driver; then paths and limits. */
export function volumesViolations({ volumes }: Body): Violation[] {
  const out: Violation[] = [];
  volumes.forEach((raw, i) => {
    const p = `volumes[${i}]`;
    if (!isObject(raw)) {
      out.push(v(p, 'must be an object', 'deployment.volumes.invalid'));
      return;
    }
    const vol = raw;
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
    // Paths: a bind source is an absolute host path (Docker would read a relative one as a volume
    // name); the other sources are names. Traversal in a bind path is the host-access policy's call.
    if (nonBlank(vol.source)) {
      if (type === 'bind') {
        if (!vol.source.startsWith('/') || hasNul(vol.source)) {
          out.push(v(`${p}.source`, `${show(vol.source)} must be an absolute host path`, 'deployment.volumes.source.invalid'));
        }
        out.push(...tooLong(vol.source, L.volumePathLength, `${p}.source`, 'deployment.volumes.source.length'));
      } else if (type === 'volume' || type === 'config' || type === 'secret') {
        out.push(...nameLikeSourceViolations(vol.source, p));
      }
    }
    if (nonBlank(vol.destination)) {
      if (!vol.destination.startsWith('/') || hasNul(vol.destination)) {
        out.push(v(`${p}.destination`, `${show(vol.destination)} must be an absolute path in the container`, 'deployment.volumes.destination.invalid'));
      }
      out.push(...tooLong(vol.destination, L.volumePathLength, `${p}.destination`, 'deployment.volumes.destination.length'));
    }
    if (typeof vol.key === 'string') {
      if (hasNul(vol.key) || /[/\\]/.test(vol.key) || vol.key === '..') {
        out.push(v(`${p}.key`, `${show(vol.key)} must be a key of the config, not a path`, 'deployment.volumes.key.invalid'));
      }
      out.push(...tooLong(vol.key, L.volumeNameLength, `${p}.key`, 'deployment.volumes.key.length'));
    }
    out.push(...unknownFields(vol, FIELDS.volume, p, 'deployment.volumes'));
  });
  out.push(...tooMany(volumes.length, L.volumes, 'volumes', 'volumes', 'deployment.volumes.too_many'));
  return out;
}

/** cloud-hypervisor: no command, an absolute disk-image path. */
export function cloudHypervisorViolations({ b, runtime }: Body): Violation[] {
  if (runtime !== 'cloud-hypervisor') return [];
  const out: Violation[] = [];
  if (asArray(b.command).length > 0) {
    out.push(v('command', 'command is not supported by the cloud-hypervisor runtime', 'deployment.command.cloud_hypervisor_unsupported'));
  }
  if (nonBlank(b.image) && !b.image.startsWith('/')) {
    out.push(v('image', 'the cloud-hypervisor runtime requires an absolute path to a disk image', 'deployment.image.cloud_hypervisor_requires_absolute_path'));
  }
  return out;
}

/** Network mode, and what host mode rules out (published ports, more than one replica). */
export function networkViolations({ b, network, runtime, ports, replicas, autoscale }: Body): Violation[] {
  const out: Violation[] = [];
  if (b.network != null && !isObject(b.network)) {
    out.push(v('network', 'must be an object {mode}', 'deployment.network.invalid'));
  }
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
  if (network) out.push(...unknownFields(network, FIELDS.network, 'network', 'deployment.network'));
  return out;
}

/** Ports: range, host_ip, protocol, duplicates (flagged on the later index), count. */
export function portsViolations({ ports }: Body): Violation[] {
  const out: Violation[] = [];
  const seenPorts = new Set<string>();
  ports.forEach((raw, i) => {
    const p = `ports[${i}]`;
    if (!isObject(raw)) {
      out.push(v(p, 'must be an object', 'deployment.ports.invalid'));
      return;
    }
    const port = raw;
    const publishedOk = isPort(port.published);
    if (!publishedOk) {
      out.push(v(`${p}.published`, `must be between 1 and 65535, got ${show(port.published)}`, 'deployment.ports.published.out_of_range'));
    }
    if (!isPort(port.target)) {
      out.push(v(`${p}.target`, `must be between 1 and 65535, got ${show(port.target)}`, 'deployment.ports.target.out_of_range'));
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
    out.push(...unknownFields(port, FIELDS.port, p, 'deployment.ports'));
  });
  out.push(...tooMany(ports.length, L.ports, 'ports', 'ports', 'deployment.ports.too_many'));
  return out;
}

function isEnvValue(x: unknown): boolean {
  if (typeof x === 'string') return true;
  return isObject(x) && Object.keys(x).length === 1 && nonBlank(x.secretRef);
}

/** Environment: a map of valid names to strings or secret references, within the size limits. */
export function environmentViolations({ b }: Body): Violation[] {
  const out: Violation[] = [];
  if (b.environment != null && !isObject(b.environment)) {
    out.push(v('environment', 'must be a map of variable names to values', 'deployment.environment.invalid'));
  }
  const env = isObject(b.environment) ? b.environment : {};
  for (const [key, value] of Object.entries(env)) {
    const p = `environment.${key}`;
    if (!ENV_KEY_RE.test(key)) {
      out.push(v(p, `'${key}' is not a valid env var name (must match [A-Za-z_][A-Za-z0-9_]*)`, 'deployment.environment.key.invalid'));
    }
    if (!isEnvValue(value)) {
      out.push(v(p, 'value must be a string or {"secretRef": "<secret name>"}', 'deployment.environment.value.invalid'));
    }
    if (key.length > L.environmentKeyLength) {
      out.push(v(p, `variable names must be at most ${L.environmentKeyLength} characters long`, 'deployment.environment.key.length'));
    }
    const text = typeof value === 'string' ? value : isObject(value) ? value.secretRef : undefined;
    out.push(...tooLong(text, L.environmentValueLength, p, 'deployment.environment.value.length'));
    if (hasNul(text)) out.push(v(p, 'values must not contain NUL characters', 'deployment.environment.value.invalid'));
  }
  out.push(...tooMany(Object.keys(env).length, L.environmentVariables, 'environment variables', 'environment', 'deployment.environment.too_many'));
  return out;
}

/** Beyond Ring: labels are a bounded map of strings to strings. */
export function labelsViolations({ b }: Body): Violation[] {
  if (b.labels == null) return [];
  if (!isObject(b.labels)) return [v('labels', 'must be a map of strings to strings', 'deployment.labels.invalid')];
  const out: Violation[] = [];
  for (const [key, value] of Object.entries(b.labels)) {
    const p = `labels.${key}`;
    if (typeof value !== 'string') out.push(v(p, 'label values must be strings', 'deployment.labels.value.invalid'));
    if (key.length === 0 || key.length > L.labelKeyLength) {
      out.push(v(p, `label keys must be between 1 and ${L.labelKeyLength} characters long`, 'deployment.labels.key.length'));
    }
    out.push(...tooLong(value, L.labelValueLength, p, 'deployment.labels.value.length'));
  }
  out.push(...tooMany(Object.keys(b.labels).length, L.labels, 'labels', 'labels', 'deployment.labels.too_many'));
  return out;
}

/** Beyond Ring: the command is a bounded list of strings. */
export function commandViolations({ b }: Body): Violation[] {
  if (b.command == null) return [];
  if (!Array.isArray(b.command)) return [v('command', 'must be a list of strings', 'deployment.command.invalid')];
  const out: Violation[] = [];
  b.command.forEach((arg, i) => {
    if (typeof arg !== 'string') out.push(v(`command[${i}]`, 'must be a string', 'deployment.command.invalid'));
    else if (hasNul(arg)) out.push(v(`command[${i}]`, 'must not contain NUL characters', 'deployment.command.invalid'));
    out.push(...tooLong(arg, L.commandArgLength, `command[${i}]`, 'deployment.command.length'));
  });
  out.push(...tooMany(b.command.length, L.commandArgs, 'command arguments', 'command', 'deployment.command.too_many'));
  return out;
}

/** Resources: CPU and memory quantities, each within the documented maximum. */
export function resourcesViolations({ b }: Body): Violation[] {
  if (b.resources == null) return [];
  if (!isObject(b.resources)) return [v('resources', 'must be an object', 'deployment.resources.invalid')];
  const out: Violation[] = [];
  for (const kindKey of ['limits', 'requests'] as const) {
    const block = b.resources[kindKey];
    if (block == null) continue;
    if (!isObject(block)) {
      out.push(v(`resources.${kindKey}`, 'must be an object', `deployment.resources.${kindKey}.invalid`));
      continue;
    }
    const cpu = block.cpu != null && typeof block.cpu === 'string' ? parseCpu(block.cpu) : null;
    if (block.cpu != null && cpu === null) {
      out.push(v(`resources.${kindKey}.cpu`, `invalid CPU quantity ${show(block.cpu)} (expected cores like "0.5" or milli-CPUs like "500m")`, `deployment.resources.${kindKey}.cpu.invalid`));
    } else if (cpu !== null && cpu > L.cpuCores * NANO_CPUS_PER_CORE) {
      out.push(v(`resources.${kindKey}.cpu`, `must be at most ${L.cpuCores} cores, got ${show(block.cpu)}`, `deployment.resources.${kindKey}.cpu.too_large`));
    }
    const memory = block.memory != null && typeof block.memory === 'string' ? parseMemory(block.memory) : null;
    if (block.memory != null && memory === null) {
      out.push(v(`resources.${kindKey}.memory`, `invalid memory quantity ${show(block.memory)} (expected bytes or a Ki/Mi/Gi/Ti/K/M/G/T suffix, like "128Mi")`, `deployment.resources.${kindKey}.memory.invalid`));
    } else if (memory !== null && memory > L.memoryBytes) {
      out.push(v(`resources.${kindKey}.memory`, `must be at most 16Ti, got ${show(block.memory)}`, `deployment.resources.${kindKey}.memory.too_large`));
    }
    out.push(...unknownFields(block, FIELDS.resourceBlock, `resources.${kindKey}`, 'deployment.resources'));
  }
  out.push(...unknownFields(b.resources, FIELDS.resources, 'resources', 'deployment.resources'));
  return out;
}

/** Autoscale: 1 ≤ min ≤ max ≤ the replica maximum, 0 < target_cpu < 100; not on containerd. */
export function autoscaleViolations({ autoscale, runtime }: Body): Violation[] {
  if (autoscale === undefined) return [];
  const out: Violation[] = [];
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
    for (const key of ['min', 'max'] as const) {
      const n = autoscale[key];
      if (typeof n === 'number' && n > L.replicas) {
        out.push(v(`autoscale.${key}`, `must be at most ${L.replicas} (the per-deployment replica maximum), got ${show(n)}`, 'deployment.autoscale.too_large'));
      }
    }
    out.push(...unknownFields(autoscale, FIELDS.autoscale, 'autoscale', 'deployment.autoscale'));
  }
  if (runtime === 'containerd') {
    out.push(v('autoscale', 'autoscaling is not supported by the containerd runtime', 'deployment.autoscale.runtime_unsupported'));
  }
  return out;
}

/** Config: image pull policy, exclusive registry credentials, the container user, field sizes. */
export function configViolations({ b, config }: Body): Violation[] {
  const out: Violation[] = [];
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
  if (b.config != null && !isObject(b.config)) out.push(v('config', 'must be an object', 'deployment.config.invalid'));
  for (const key of ['server', 'username', 'password', 'image_pull_secret'] as const) {
    out.push(...tooLong(config[key], L.registryFieldLength, `config.${key}`, 'deployment.config.length'));
  }
  const user = config.user;
  if (user != null) {
    if (!isObject(user)) {
      out.push(v('config.user', 'must be an object {id, group, privileged}', 'deployment.config.user.invalid'));
    } else {
      for (const key of ['id', 'group'] as const) {
        const x = user[key];
        if (x == null) continue;
        const okNumber = typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= L.userIdMax;
        const okString = typeof x === 'string' && x.length <= L.userFieldLength && !hasNul(x);
        if (!okNumber && !okString) {
          out.push(v(`config.user.${key}`, `must be a name of at most ${L.userFieldLength} characters or an integer between 0 and ${L.userIdMax}, got ${show(x)}`, 'deployment.config.user.invalid'));
        }
      }
      out.push(...unknownFields(user, FIELDS.user, 'config.user', 'deployment.config'));
    }
  }
  out.push(...unknownFields(config, FIELDS.config, 'config', 'deployment.config'));
  return out;
}

/** What more than one replica rules out: published ports (one host port), shared read-write named volumes. */
export function replicaSharingViolations({ ports, replicas, volumes }: Body): Violation[] {
  const out: Violation[] = [];
  if (ports.length > 0 && replicas > 1) {
    out.push(v('ports', `publishing host ports with replicas > 1 (${replicas}) causes port conflicts between replicas — drop \`ports\` or reduce \`replicas\` to 1`, 'deployment.ports.replicas_conflict'));
    out.push(v('replicas', `replicas > 1 (${replicas}) is incompatible with \`ports\` — drop \`ports\` or reduce \`replicas\` to 1`, 'deployment.replicas.ports_conflict'));
  }
  if (replicas > 1) {
    volumes.forEach((vol, i) => {
      if (isObject(vol) && vol.type === 'volume' && vol.permission === 'rw') {
        out.push(v(`volumes[${i}].permission`, `named volume ${show(vol.source)} is mounted read-write with replicas > 1 (${replicas}); replicas share the same volume with no write coordination, which corrupts data — reduce \`replicas\` to 1 or mount the volume \`ro\``, 'deployment.volumes.shared_rw_replicas'));
      }
    });
  }
  return out;
}

/** Jobs: exactly one replica, no autoscale, no readiness checks. */
export function jobViolations({ kind, replicas, autoscale, healthChecks }: Body): Violation[] {
  if (kind !== 'job') return [];
  const out: Violation[] = [];
  if (replicas !== 1) {
    out.push(v('replicas', `kind=job runs once and exits; replicas must be 1, got ${show(replicas)}`, 'deployment.replicas.job_must_be_one'));
  }
  if (autoscale !== undefined) {
    out.push(v('autoscale', 'autoscaling is not supported for jobs', 'deployment.autoscale.job_unsupported'));
  }
  healthChecks.forEach((hc, i) => {
    if (isObject(hc) && hc.readiness === true) {
      out.push(v(`health_checks[${i}].readiness`, 'kind=job is incompatible with readiness health checks (readiness gates rolling updates, which don\'t apply to one-shot jobs)', 'deployment.health_checks.job_readiness_unsupported'));
    }
  });
  return out;
}
