// `ring export kubernetes`: ring manifests → Kubernetes objects. Pure: the same input gives the same
// documents, in a stable order, with every lossy translation reported as a warning and every
// untranslatable one as an error (then nothing is exported: no half a cluster).
import type { DeploymentSpec, VolumeSpec } from '../../domain/deployment.js';
import { parseDuration } from '../../domain/durations.js';
import { dns1123Label, isLabelKey, isLabelValue } from './names.js';
import { probesFor } from './probes.js';
import { cpuQuantity, memoryQuantity } from './quantities.js';

export interface ExportConfig { namespace: string; name: string; /** One JSON object as text (what POST /configs takes). */ data: string }
export interface ExportInput { namespaces: string[]; configs: ExportConfig[]; deployments: DeploymentSpec[] }
export interface ExportOptions {
  /** progressDeadlineSeconds: ring's RING_ROLLOUT_DEADLINE (default 600 s). */
  rolloutDeadlineSeconds?: number;
  /** Storage requested for a named volume's PVC; ring volumes have no size. */
  volumeSize?: string;
}
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };
export interface ExportResult {
  objects: K8sObject[];
  warnings: string[];
  errors: string[];
  /** One `kubectl create secret …` line per referenced secret: values are never exported. */
  secretCommands: string[];
}

/** ring's readiness gate default when a readiness check declares no min_healthy_time (src/reconciler/readiness.ts). */
const DEFAULT_MIN_HEALTHY_MS = 10_000;
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;
const JOB_BACKOFF_LIMIT = 5;
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'ring-export' };

const KIND_ORDER = ['Namespace', 'ConfigMap', 'PersistentVolumeClaim', 'Deployment', 'Job', 'Service', 'HorizontalPodAutoscaler'];

class Ctx {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  readonly secrets = new Map<string, string>();
  warn = (w: string): void => { this.warnings.push(w); };
  name(raw: string, what: string): string {
    const r = dns1123Label(raw, what);
    if (!r.ok) { this.errors.push(r.reason); return raw; }
    if (r.changed) this.warn(`${what} '${raw}' exported as '${r.name}' (DNS-1123)`);
    return r.name;
  }
  namespace(raw: string, where: string): string {
    if (raw.trim() === '') { this.warn(`${where}: empty namespace exported as 'default'`); return 'default'; }
    return this.name(raw, 'namespace');
  }
}

function labelsOf(spec: DeploymentSpec, ctx: Ctx): { labels: Record<string, string>; annotations: Record<string, string> } {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.labels ?? {})) {
    if (isLabelKey(k) && isLabelValue(v)) labels[k] = v;
    else {
      annotations[k] = v;
      ctx.warn(`deployment '${spec.name}' label '${k}' is not a valid Kubernetes label; exported as an annotation`);
    }
  }
  return { labels, annotations };
}

function resourcesOf(spec: DeploymentSpec, ctx: Ctx): Record<string, Record<string, string>> | undefined {
  if (!spec.resources) return undefined;
  const out: Record<string, Record<string, string>> = {};
  for (const side of ['limits', 'requests'] as const) {
    const r = spec.resources[side];
    if (!r) continue;
    const q: Record<string, string> = {};
    if (r.cpu !== undefined) {
      const cpu = cpuQuantity(r.cpu);
      if (cpu === null) ctx.errors.push(`deployment '${spec.name}' resources.${side}.cpu '${r.cpu}' is not a CPU quantity`);
      else q.cpu = cpu;
    }
    if (r.memory !== undefined) {
      const mem = memoryQuantity(r.memory);
      if (mem === null) ctx.errors.push(`deployment '${spec.name}' resources.${side}.memory '${r.memory}' is not a memory quantity`);
      else {
        if (mem.renamed) ctx.warn(`deployment '${spec.name}' resources.${side}.memory '${r.memory}' exported as '${mem.quantity}' (Kubernetes spells the decimal kilo 'k')`);
        q.memory = mem.quantity;
      }
    }
    if (Object.keys(q).length > 0) out[side] = q;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function secretCommand(ns: string, name: string): string {
  return `kubectl create secret generic ${name} -n ${ns} --from-literal=value='<value of ring secret ${name}>'`;
}

interface PodParts { volumes: Record<string, unknown>[]; mounts: Record<string, unknown>[]; pvcs: K8sObject[] }

function volumesOf(spec: DeploymentSpec, ns: string, ctx: Ctx, size: string): PodParts {
  const parts: PodParts = { volumes: [], mounts: [], pvcs: [] };
  spec.volumes.forEach((v: VolumeSpec, i) => {
    const where = `deployment '${spec.name}' volumes[${i}]`;
    const volName = `v${i}`;
    const readOnly = v.permission === 'ro' || v.type === 'config' || v.type === 'secret';
    const mount: Record<string, unknown> = { name: volName, mountPath: v.destination, ...(readOnly ? { readOnly: true } : {}) };
    switch (v.type) {
      case 'bind':
        ctx.warn(`${where}: bind mount '${v.source}' exported as a hostPath volume, which ties the pod to one node`);
        parts.volumes.push({ name: volName, hostPath: { path: v.source } });
        break;
      case 'volume': {
        const claim = ctx.name(v.source ?? '', 'volume');
        if (v.driver === 'nfs') ctx.warn(`${where}: driver nfs has no PVC equivalent here; the claim uses the cluster's default StorageClass`);
        ctx.warn(`${where}: volume '${v.source}' has no size in ring; its PersistentVolumeClaim requests ${size}`);
        parts.volumes.push({ name: volName, persistentVolumeClaim: { claimName: claim } });
        if (!parts.pvcs.some((p) => p.metadata.name === claim)) {
          parts.pvcs.push({
            apiVersion: 'v1', kind: 'PersistentVolumeClaim',
            metadata: { name: claim, namespace: ns, labels: { ...MANAGED_BY } },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } },
          });
        }
        break;
      }
      case 'config':
        parts.volumes.push({ name: volName, configMap: { name: ctx.name(v.source ?? '', 'config') } });
        mount.subPath = v.key;
        break;
      case 'secret': {
        const secret = ctx.name(v.source ?? '', 'secret');
        ctx.secrets.set(`${ns}/${secret}`, secretCommand(ns, secret));
        parts.volumes.push({ name: volName, secret: { secretName: secret } });
        mount.subPath = 'value';
        break;
      }
    }
    parts.mounts.push(mount);
  });
  return parts;
}

function envOf(spec: DeploymentSpec, ns: string, ctx: Ctx): Record<string, unknown>[] {
  return Object.entries(spec.environment ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => {
    if (typeof value === 'string') return { name, value };
    const secret = ctx.name(value.secretRef, 'secret');
    ctx.secrets.set(`${ns}/${secret}`, secretCommand(ns, secret));
    return { name, valueFrom: { secretKeyRef: { name: secret, key: 'value' } } };
  });
}

function securityOf(spec: DeploymentSpec, ctx: Ctx): Record<string, unknown> | undefined {
  const user = spec.config?.user;
  if (!user) return undefined;
  const sc: Record<string, unknown> = {};
  for (const [field, key] of [['id', 'runAsUser'], ['group', 'runAsGroup']] as const) {
    const v = user[field];
    if (v === undefined) continue;
    if (/^\d+$/.test(String(v))) sc[key] = Number(v);
    else ctx.warn(`deployment '${spec.name}' config.user.${field} '${v}' is a name; Kubernetes needs a numeric id, not exported`);
  }
  if (user.privileged) {
    ctx.warn(`deployment '${spec.name}' config.user.privileged exported as a privileged container; most clusters' admission policies refuse it`);
    sc.privileged = true;
  }
  return Object.keys(sc).length > 0 ? sc : undefined;
}

function minReadySeconds(spec: DeploymentSpec, ctx: Ctx): number | undefined {
  const gates = spec.health_checks.filter((c) => c.readiness === true);
  if (gates.length === 0) return undefined;
  const ms = Math.max(...gates.map((c) => (c.min_healthy_time === undefined ? DEFAULT_MIN_HEALTHY_MS : parseDuration(c.min_healthy_time) ?? DEFAULT_MIN_HEALTHY_MS)));
  const s = Math.ceil(ms / 1000);
  if (s * 1000 !== ms) ctx.warn(`deployment '${spec.name}' min_healthy_time rounded up to ${s}s for minReadySeconds`);
  return s;
}

function servicesOf(spec: DeploymentSpec, name: string, ns: string, selector: Record<string, string>, ctx: Ctx): K8sObject[] {
  return spec.ports.map((p) => {
    const protocol = (p.protocol ?? 'tcp').toUpperCase();
    if (p.host_ip !== undefined && p.host_ip !== '0.0.0.0') {
      ctx.warn(`deployment '${spec.name}' port ${p.published}: host_ip '${p.host_ip}' has no Service equivalent; not exported`);
    }
    const inRange = p.published >= NODE_PORT_MIN && p.published <= NODE_PORT_MAX;
    if (!inRange) {
      ctx.warn(`deployment '${spec.name}' port ${p.published} is outside the NodePort range ${NODE_PORT_MIN}-${NODE_PORT_MAX}: exported as a ClusterIP Service on port ${p.published} (use an Ingress or LoadBalancer to reach it from outside)`);
    }
    const port: Record<string, unknown> = { name: `${protocol.toLowerCase()}-${p.published}`, port: p.published, targetPort: p.target, protocol };
    if (inRange) port.nodePort = p.published;
    return {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: `${name}-${p.published}-${protocol.toLowerCase()}`, namespace: ns, labels: { ...MANAGED_BY } },
      spec: { type: inRange ? 'NodePort' : 'ClusterIP', selector, ports: [port] },
    };
  });
}

function exportDeployment(spec: DeploymentSpec, ctx: Ctx, opts: Required<ExportOptions>): K8sObject[] {
  const name = ctx.name(spec.name, 'deployment name');
  const ns = ctx.namespace(spec.namespace, `deployment '${spec.name}'`);
  if (spec.runtime !== 'docker') ctx.warn(`deployment '${spec.name}' runtime '${spec.runtime}' is exported as an ordinary container`);
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': `${ns}-${name}` };
  const { labels, annotations } = labelsOf(spec, ctx);
  const vols = volumesOf(spec, ns, ctx, opts.volumeSize);
  const probes = probesFor(spec.health_checks, spec.name, ctx.warn);
  const container: Record<string, unknown> = {
    name,
    image: spec.image,
    ...(spec.command.length > 0 ? { args: spec.command } : {}),
    ...(spec.config?.image_pull_policy ? { imagePullPolicy: spec.config.image_pull_policy } : {}),
  };
  const env = envOf(spec, ns, ctx);
  if (env.length > 0) container.env = env;
  if (spec.ports.length > 0) {
    container.ports = spec.ports.map((p) => ({ containerPort: p.target, protocol: (p.protocol ?? 'tcp').toUpperCase() }));
  }
  const resources = resourcesOf(spec, ctx);
  if (resources) container.resources = resources;
  if (vols.mounts.length > 0) container.volumeMounts = vols.mounts;
  Object.assign(container, probes);
  const security = securityOf(spec, ctx);
  if (security) container.securityContext = security;

  const podSpec: Record<string, unknown> = { containers: [container] };
  if (vols.volumes.length > 0) podSpec.volumes = vols.volumes;
  if (spec.network?.mode === 'host') {
    ctx.warn(`deployment '${spec.name}' network.mode host exported as hostNetwork: true`);
    podSpec.hostNetwork = true;
  }
  const pull = spec.config?.image_pull_secret;
  if (pull) {
    const secret = ctx.name(pull, 'secret');
    podSpec.imagePullSecrets = [{ name: secret }];
    ctx.secrets.set(`${ns}/${secret}`, `kubectl create secret docker-registry ${secret} -n ${ns} --docker-server=<registry> --docker-username=<user> --docker-password=<password>`);
  }
  if (spec.config?.username !== undefined || spec.config?.password !== undefined) {
    ctx.warn(`deployment '${spec.name}' inline registry credentials are not exported; create an imagePullSecret instead`);
  }
  if (spec.config?.use_host_auth) ctx.warn(`deployment '${spec.name}' config.use_host_auth has no Kubernetes equivalent (nodes use their own credentials)`);

  const metadata = {
    name, namespace: ns,
    labels: { ...labels, ...selector, ...MANAGED_BY },
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const template = { metadata: { labels: { ...labels, ...selector } }, spec: podSpec };
  const out: K8sObject[] = [...vols.pvcs];

  if (spec.kind === 'job') {
    podSpec.restartPolicy = 'Never';
    delete container.readinessProbe;
    out.push({ apiVersion: 'batch/v1', kind: 'Job', metadata, spec: { backoffLimit: JOB_BACKOFF_LIMIT, template } });
    return out;
  }
  const minReady = minReadySeconds(spec, ctx);
  out.push({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata,
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      ...(minReady !== undefined ? { minReadySeconds: minReady } : {}),
      progressDeadlineSeconds: opts.rolloutDeadlineSeconds,
      template,
    },
  });
  out.push(...servicesOf(spec, name, ns, selector, ctx));
  if (spec.autoscale) {
    if (!spec.resources?.requests?.cpu) {
      ctx.warn(`deployment '${spec.name}' autoscale: a HorizontalPodAutoscaler on CPU needs resources.requests.cpu, which is not set`);
    }
    out.push({
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
      metadata: { name, namespace: ns, labels: { ...MANAGED_BY } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: spec.autoscale.min,
        maxReplicas: spec.autoscale.max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: Math.round(spec.autoscale.target_cpu) } } }],
      },
    });
  }
  return out;
}

function exportConfig(c: ExportConfig, ctx: Ctx): K8sObject | null {
  let parsed: unknown;
  try { parsed = JSON.parse(c.data); } catch { parsed = null; }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    ctx.errors.push(`config '${c.name}': data is not a JSON object`);
    return null;
  }
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) data[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: ctx.name(c.name, 'config'), namespace: ctx.namespace(c.namespace, `config '${c.name}'`), labels: { ...MANAGED_BY } },
    data,
  };
}

export function exportKubernetes(input: ExportInput, options: ExportOptions = {}): ExportResult {
  const opts: Required<ExportOptions> = { rolloutDeadlineSeconds: 600, volumeSize: '1Gi', ...options };
  const ctx = new Ctx();
  const objects: K8sObject[] = [];
  for (const c of input.configs) {
    const cm = exportConfig(c, ctx);
    if (cm) objects.push(cm);
  }
  for (const d of input.deployments) objects.push(...exportDeployment(d, ctx, opts));
  const namespaces = new Set<string>(input.namespaces.map((n) => ctx.namespace(n, 'namespaces')));
  for (const o of objects) if (o.metadata.namespace) namespaces.add(o.metadata.namespace);
  for (const ns of namespaces) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ...MANAGED_BY } } });

  // Stable order: by kind (what kubectl apply wants first), then namespace, then name.
  const key = (o: K8sObject) => [KIND_ORDER.indexOf(o.kind), o.metadata.namespace ?? '', o.metadata.name] as const;
  objects.sort((a, b) => {
    const [ka, na, ma] = key(a); const [kb, nb, mb] = key(b);
    return ka - kb || na.localeCompare(nb) || ma.localeCompare(mb);
  });
  const dup = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (dup.has(id)) ctx.errors.push(`two objects would be named ${o.kind} '${o.metadata.name}'${o.metadata.namespace ? ` in namespace '${o.metadata.namespace}'` : ''}`);
    dup.add(id);
  }
  return {
    objects: ctx.errors.length > 0 ? [] : objects,
    warnings: ctx.warnings,
    errors: ctx.errors,
    secretCommands: [...ctx.secrets.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, cmd]) => cmd),
  };
}
