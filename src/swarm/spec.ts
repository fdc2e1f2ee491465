// A ring deployment → a Swarm service spec, and what of a manifest Swarm cannot express. Pure.
//
// Mapping (README "When one host is not enough" lists it per field):
//   namespace → attachable overlay network `ring_<ns>` + labels; name → service `<ns>_<name>`;
//   worker → Replicated{replicas}; job → ReplicatedJob{1 completion} with RestartPolicy none, so the
//   task's exit code decides; command → ContainerSpec.Args (the image's ENTRYPOINT is kept, as
//   Docker's Cmd); environment, labels, resources, user carried over; ports → EndpointSpec (publish
//   mode host + endpoint mode dnsrr where the kernel has no IPVS); secret/config volumes → Swarm
//   secrets/configs as files; env secretRef only through the `_FILE` convention; health checks → one
//   HEALTHCHECK; readiness + min_healthy_time → UpdateConfig{1, start-first, rollback, Monitor}.
import type { DeploymentSpec, Violation } from '../domain/deployment.js';
import { parseDuration } from '../domain/durations.js';
import { parseCpu, parseMemory } from '../domain/quantities.js';
import { healthcheckFor } from './healthcheck.js';

export const SWARM_LABEL = {
  deployment: 'ring.deployment',
  namespace: 'ring.namespace',
  name: 'ring.name',
} as const;

/** Where a secret referenced by a `_FILE` variable lands inside the task. */
export const SECRET_DIR = '/run/secrets';
/** ring's restart budget: Swarm stops restarting a task after this many failures (crash_loop_back_off). */
export const SWARM_MAX_ATTEMPTS = 5;
const NS_PER_MS = 1_000_000;
/** ring's readiness default (src/reconciler/readiness.ts). */
const DEFAULT_MIN_HEALTHY_MS = 10_000;

export const serviceName = (namespace: string, name: string) => `${namespace}_${name}`;
export const networkName = (namespace: string) => `ring_${namespace}`;

export interface SwarmProblems { violations: Violation[]; warnings: string[] }

/** Refused (422) or warned: each names its field. Nothing is dropped silently. */
export function swarmProblems(d: DeploymentSpec): SwarmProblems {
  const violations: Violation[] = [];
  const warnings: string[] = [];
  const refuse = (property_path: string, code: string, message: string) => violations.push({ property_path, code, message });

  if (d.config?.image_pull_policy === 'Never') {
    refuse('config.image_pull_policy', 'swarm.image_pull_policy', 'Swarm nodes pull images themselves; image_pull_policy Never cannot be honoured on a cluster');
  }
  if (d.config?.user?.privileged) refuse('config.user.privileged', 'swarm.privileged', 'Swarm services cannot run privileged containers');
  if (d.config?.use_host_auth) refuse('config.use_host_auth', 'swarm.use_host_auth', 'use_host_auth reads this host\'s credentials; Swarm nodes pull with the credentials sent at service creation (use config.username/password)');
  if (d.config?.image_pull_secret) refuse('config.image_pull_secret', 'swarm.image_pull_secret', 'image_pull_secret is not supported on Swarm yet; use config.username/password');
  if (d.network?.mode === 'host') refuse('network.mode', 'swarm.network_mode', 'host networking is per node; Swarm services use the namespace overlay network');
  if (d.autoscale) refuse('autoscale', 'swarm.autoscale', 'Swarm has no autoscaler; ring\'s autoscaler scales instances it runs itself');
  d.ports.forEach((p, i) => {
    if (p.host_ip !== undefined && p.host_ip !== '0.0.0.0') {
      refuse(`ports[${i}].host_ip`, 'swarm.port.host_ip', 'Swarm publishes on every node\'s interfaces; a host_ip cannot be chosen');
    }
  });
  d.volumes.forEach((v, i) => {
    if (v.type === 'bind') refuse(`volumes[${i}].source`, 'swarm.volume.bind', 'a bind mount does not follow a task to another node; use a named volume, a config or a secret');
    if (v.type === 'volume') warnings.push(`volumes[${i}]: named volume '${v.source}' is local to each node the task runs on`);
    if (v.type === 'volume' && v.driver === 'nfs') warnings.push(`volumes[${i}]: driver nfs is passed to the node's volume driver as is`);
  });
  for (const [key, value] of Object.entries(d.environment ?? {})) {
    if (typeof value === 'string') continue;
    if (!key.endsWith('_FILE')) {
      refuse(`environment.${key}`, 'swarm.environment.secret_ref',
        `Swarm has no secret environment variables; name the variable ${key}_FILE to receive the path of a file holding secret '${value.secretRef}' (the _FILE convention)`);
    }
  }
  d.health_checks.forEach((c, i) => {
    if (c.on_failure === 'stop') refuse(`health_checks[${i}].on_failure`, 'swarm.health_check.on_failure', 'Swarm replaces an unhealthy task; on_failure stop cannot be expressed');
    if (c.on_failure === 'alert' && c.readiness !== true) {
      refuse(`health_checks[${i}].on_failure`, 'swarm.health_check.on_failure', 'Swarm replaces an unhealthy task; on_failure alert (keep it running) cannot be expressed');
    }
    if (c.on_failure === 'alert' && c.readiness === true) warnings.push(`health_checks[${i}]: Swarm replaces a task whose readiness check fails instead of only alerting`);
  });
  warnings.push(...healthcheckFor(d.health_checks).warnings);
  return { violations, warnings };
}

/** Swarm objects a deployment needs before its service can be created (resolved by the controller). */
export interface SwarmFile { id: string; name: string }
export interface SwarmRefs {
  networkId: string;
  /** ring secret name → the Swarm secret holding its current value. */
  secrets: Map<string, SwarmFile>;
  /** `<config>/<key>` → the Swarm config holding that key's current content. */
  configs: Map<string, SwarmFile>;
  /** The kernel has IPVS: VIP endpoints and the ingress routing mesh work; else dnsrr + host ports. */
  ipvs: boolean;
}

export const configRefKey = (config: string, key: string) => `${config}/${key}`;

export interface DeploymentRef extends DeploymentSpec { id: string }

export function serviceSpec(d: DeploymentRef, refs: SwarmRefs): Record<string, unknown> {
  const labels = { ...d.labels, [SWARM_LABEL.deployment]: d.id, [SWARM_LABEL.namespace]: d.namespace, [SWARM_LABEL.name]: d.name };
  const env: string[] = [];
  const secrets: Record<string, unknown>[] = [];
  const addSecret = (ringName: string, target: string) => {
    const s = refs.secrets.get(ringName);
    if (!s) throw new Error(`secret '${ringName}' was not resolved`);
    secrets.push({ SecretID: s.id, SecretName: s.name, File: { Name: target, UID: '0', GID: '0', Mode: 0o444 } });
  };
  for (const [key, value] of Object.entries(d.environment ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (typeof value === 'string') env.push(`${key}=${value}`);
    else {
      const target = `${SECRET_DIR}/${value.secretRef}`;
      env.push(`${key}=${target}`);
      if (!secrets.some((s) => (s.File as { Name: string }).Name === target)) addSecret(value.secretRef, target);
    }
  }
  const configs: Record<string, unknown>[] = [];
  const mounts: Record<string, unknown>[] = [];
  for (const v of d.volumes) {
    if (v.type === 'secret') addSecret(v.source ?? '', v.destination);
    else if (v.type === 'config') {
      const c = refs.configs.get(configRefKey(v.source ?? '', v.key ?? ''));
      if (!c) throw new Error(`config '${v.source}' key '${v.key}' was not resolved`);
      configs.push({ ConfigID: c.id, ConfigName: c.name, File: { Name: v.destination, UID: '0', GID: '0', Mode: 0o444 } });
    } else if (v.type === 'volume') {
      mounts.push({
        Type: 'volume', Source: v.source, Target: v.destination, ReadOnly: v.permission === 'ro',
        VolumeOptions: { Labels: { 'ring.managed': 'true', 'ring.namespace': d.namespace }, ...(v.driver === 'nfs' ? { DriverConfig: { Name: 'nfs' } } : {}) },
      });
    }
  }
  const container: Record<string, unknown> = { Image: d.image, Labels: labels, Env: env };
  if (d.command.length > 0) container.Args = d.command;
  const user = d.config?.user;
  if (user?.id !== undefined) container.User = user.group !== undefined ? `${user.id}:${user.group}` : String(user.id);
  if (secrets.length > 0) container.Secrets = secrets;
  if (configs.length > 0) container.Configs = configs;
  if (mounts.length > 0) container.Mounts = mounts;
  const hc = healthcheckFor(d.health_checks).healthcheck;
  if (hc) container.HealthCheck = hc;

  const resources: Record<string, Record<string, number>> = {};
  for (const [side, key] of [['limits', 'Limits'], ['requests', 'Reservations']] as const) {
    const r = d.resources?.[side];
    const q: Record<string, number> = {};
    const cpu = r?.cpu !== undefined ? parseCpu(r.cpu) : null;
    const mem = r?.memory !== undefined ? parseMemory(r.memory) : null;
    if (cpu !== null) q.NanoCPUs = cpu;
    if (mem !== null) q.MemoryBytes = mem;
    if (Object.keys(q).length > 0) resources[key] = q;
  }

  const isJob = d.kind === 'job';
  const readiness = d.health_checks.filter((c) => c.readiness === true);
  const monitorMs = readiness.length === 0 ? 0
    : Math.max(...readiness.map((c) => (c.min_healthy_time === undefined ? DEFAULT_MIN_HEALTHY_MS : parseDuration(c.min_healthy_time) ?? DEFAULT_MIN_HEALTHY_MS)));
  const spec: Record<string, unknown> = {
    Name: serviceName(d.namespace, d.name),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: container,
      ...(Object.keys(resources).length > 0 ? { Resources: resources } : {}),
      RestartPolicy: isJob
        ? { Condition: 'none' }
        : { Condition: 'any', Delay: 1000 * NS_PER_MS, MaxAttempts: SWARM_MAX_ATTEMPTS },
      Networks: [{ Target: refs.networkId, Aliases: [d.name] }],
    },
    Mode: isJob ? { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } } : { Replicated: { Replicas: d.replicas } },
    EndpointSpec: {
      Mode: refs.ipvs ? 'vip' : 'dnsrr',
      ...(d.ports.length > 0
        ? { Ports: d.ports.map((p) => ({ Protocol: p.protocol ?? 'tcp', TargetPort: p.target, PublishedPort: p.published, PublishMode: refs.ipvs ? 'ingress' : 'host' })) }
        : {}),
    },
  };
  if (!isJob) {
    // One task at a time, the new one up first, rolled back when it does not stay healthy for Monitor.
    const update = { Parallelism: 1, Order: 'start-first', FailureAction: 'rollback', Monitor: Math.max(monitorMs, 1000) * NS_PER_MS, MaxFailureRatio: 0 };
    spec.UpdateConfig = update;
    spec.RollbackConfig = { ...update, FailureAction: 'pause' };
  }
  return spec;
}
