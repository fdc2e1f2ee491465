// The Swarm manager's Engine API (dockerode): networks, content-addressed secrets/configs,
// services, tasks, logs. No decisions here: planSwarm() makes them, the controller applies them.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type Docker from 'dockerode';
import DockerClient from '../runtime/docker/dockerode.js';
import { SWARM_LABEL, networkName, serviceName, type SwarmFile } from './spec.js';
import type { ObservedService } from './plan.js';
import type { ObservedTask } from './status.js';
import { SERVER_LABEL } from '../runtime/docker/labels.js';
import { isVisibleTo, ownership, type Ownership } from '../runtime/docker/ownership.js';

/** Every Engine call is bounded: a wedged manager must not hang the controller or an API request. */
const CALL_TIMEOUT_MS = 15_000;

export interface RegistryAuth { username: string; password: string; serveraddress?: string }

function hash12(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Swarm object names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, ≤ 64 characters. */
function objectName(...parts: string[]): string {
  return parts.join('_').replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 64);
}

export class SwarmEngine {
  readonly docker: Docker;

  /**
   * `serverId`: this server's id (store.server.id()). Another ring server may drive the same swarm:
   * its services are not listed (a name clash then fails the create with Docker's reason instead of
   * taking the other's service over), and only our own files are pruned.
   */
  constructor(host: string, readonly serverId?: string) {
    const u = host.startsWith('unix://') ? { socketPath: host.slice('unix://'.length) }
      : host.startsWith('tcp://') || host.startsWith('http://')
        ? (() => { const url = new URL(host.replace(/^tcp:/, 'http:')); return { host: url.hostname, port: Number(url.port || 2375) }; })()
        : { socketPath: host };
    this.docker = new DockerClient({ ...u, timeout: CALL_TIMEOUT_MS });
  }

  /** `null` when the engine is not a Swarm manager (with Docker's reason). */
  async managerProblem(): Promise<string | null> {
    const info = (await this.docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
    if (info.Swarm?.LocalNodeState !== 'active') return `the engine is not part of a swarm (state ${info.Swarm?.LocalNodeState ?? 'unknown'}; run \`docker swarm init\`)`;
    if (!info.Swarm.ControlAvailable) return 'the engine is a swarm worker, not a manager';
    return null;
  }

  /**
   * Whether VIP endpoints and the ingress routing mesh can work: they need IPVS in the kernel of
   * every node. Detected on this host (the ring server's); `[server.runtime.swarm] endpoint_mode`
   * overrides it for remote managers.
   */
  static hostHasIpvs(): boolean {
    return existsSync('/proc/net/ip_vs');
  }

  async ensureNetwork(namespace: string): Promise<string> {
    const name = networkName(namespace);
    const found = (await this.docker.listNetworks({ filters: { name: [name] } })).find((n) => n.Name === name);
    if (found) {
      if (found.Driver !== 'overlay') throw new Error(`network '${name}' exists on the swarm manager with driver '${found.Driver}', not overlay`);
      return found.Id;
    }
    try {
      const n = await this.docker.createNetwork({
        Name: name, Driver: 'overlay', Attachable: true, CheckDuplicate: true,
        Labels: { 'ring.managed': 'true', [SWARM_LABEL.namespace]: namespace },
      });
      return n.id;
    } catch (e) {
      // Two passes raced: the other one created it.
      const again = (await this.docker.listNetworks({ filters: { name: [name] } })).find((n) => n.Name === name);
      if (again) return again.Id;
      throw e;
    }
  }

  /** Secrets are immutable in Swarm: each value gets its own object, named by its content hash. */
  async ensureSecret(namespace: string, name: string, value: string): Promise<SwarmFile> {
    return this.ensureFile('secret', objectName(namespace, name, hash12(`${namespace}\0${name}\0${value}`)), value, namespace);
  }

  async ensureConfig(namespace: string, config: string, key: string, content: string): Promise<SwarmFile> {
    return this.ensureFile('config', objectName(namespace, config, key, hash12(content)), content, namespace);
  }

  private async ensureFile(kind: 'secret' | 'config', name: string, content: string, namespace: string): Promise<SwarmFile> {
    const list = kind === 'secret'
      ? await this.docker.listSecrets({ filters: { name: [name] } })
      : await this.docker.listConfigs({ filters: { name: [name] } });
    const found = (list as { ID: string; Spec?: { Name?: string } }[]).find((s) => s.Spec?.Name === name);
    if (found) return { id: found.ID, name };
    const body = { Name: name, Data: Buffer.from(content).toString('base64'), Labels: { 'ring.managed': 'true', [SWARM_LABEL.namespace]: namespace, ...this.serverLabel() } };
    const created = (kind === 'secret' ? await this.docker.createSecret(body) : await this.docker.createConfig(body)) as { id?: string; ID?: string };
    return { id: created.id ?? created.ID ?? '', name };
  }

  /** Removes ring's secrets/configs no service uses any more (old contents after a rotation). */
  async pruneFiles(): Promise<void> {
    const filters = { label: ['ring.managed=true', ...(this.serverId ? [`${SERVER_LABEL}=${this.serverId}`] : [])] };
    for (const s of await this.docker.listSecrets({ filters }) as { ID: string }[]) {
      await this.docker.getSecret(s.ID).remove().catch(() => undefined); // in use → 400: kept
    }
    for (const c of await this.docker.listConfigs({ filters }) as { ID: string }[]) {
      await this.docker.getConfig(c.ID).remove().catch(() => undefined);
    }
  }

  async listServices(): Promise<Docker.Service[]> {
    const all = (await this.docker.listServices({ filters: { label: [SWARM_LABEL.deployment] } })) as unknown as Docker.Service[];
    return all.filter((s) => isVisibleTo(s.Spec?.Labels, this.serverId));
  }

  /** Whether a listed service is ours to remove as an orphan: never one made before server ids, which may be another server's. */
  ownership(s: { Spec?: { Labels?: Record<string, string> } }): Ownership {
    return ownership(s.Spec?.Labels, this.serverId);
  }

  private serverLabel(): Record<string, string> {
    return this.serverId ? { [SERVER_LABEL]: this.serverId } : {};
  }

  private labelled(spec: Record<string, unknown>): Record<string, unknown> {
    return { ...spec, Labels: { ...(spec.Labels as Record<string, string> | undefined), ...this.serverLabel() } };
  }

  static observe(s: Docker.Service & { Spec?: Docker.ServiceSpec; PreviousSpec?: Docker.ServiceSpec; UpdateStatus?: Docker.UpdateStatus; ID: string }): ObservedService & { namespace?: string; name?: string } {
    return {
      id: s.ID,
      deploymentId: s.Spec?.Labels?.[SWARM_LABEL.deployment],
      previousDeploymentId: s.PreviousSpec?.Labels?.[SWARM_LABEL.deployment],
      namespace: s.Spec?.Labels?.[SWARM_LABEL.namespace],
      name: s.Spec?.Labels?.[SWARM_LABEL.name],
      ...(s.UpdateStatus?.State ? { updateState: s.UpdateStatus.State } : {}),
      ...(s.UpdateStatus?.StartedAt ? { updateStartedAt: s.UpdateStatus.StartedAt } : {}),
      ...(s.UpdateStatus?.Message ? { updateMessage: s.UpdateStatus.Message } : {}),
    };
  }

  async tasks(): Promise<(ObservedTask & { serviceId: string })[]> {
    const raw = (await this.docker.listTasks({ filters: { label: [SWARM_LABEL.deployment] } })) as {
      ID: string; ServiceID: string; NodeID?: string; DesiredState: string;
      Status?: { State?: string; Err?: string; ContainerStatus?: { ExitCode?: number } };
      Spec?: { ContainerSpec?: { Labels?: Record<string, string> } };
    }[];
    return raw.map((t) => ({
      id: t.ID,
      serviceId: t.ServiceID,
      deploymentId: t.Spec?.ContainerSpec?.Labels?.[SWARM_LABEL.deployment],
      state: t.Status?.State ?? 'unknown',
      desiredState: t.DesiredState,
      ...(t.Status?.Err ? { err: t.Status.Err } : {}),
      ...(t.Status?.ContainerStatus?.ExitCode !== undefined ? { exitCode: t.Status.ContainerStatus.ExitCode } : {}),
      ...(t.NodeID ? { node: t.NodeID } : {}),
    }));
  }

  async createService(spec: Record<string, unknown>, auth?: RegistryAuth): Promise<string> {
    const created = (await this.docker.createService({ ...(this.labelled(spec) as Docker.ServiceSpec), ...(auth ? { authconfig: auth } : {}) })) as unknown as { id?: string; ID?: string };
    return created.id ?? created.ID ?? '';
  }

  async updateService(serviceId: string, spec: Record<string, unknown>, auth?: RegistryAuth): Promise<void> {
    const svc = this.docker.getService(serviceId);
    const cur = (await svc.inspect()) as { Version: { Index: number } };
    await svc.update((auth ?? {}) as never, { _query: { version: cur.Version.Index }, _body: this.labelled(spec) } as never);
  }

  /** `docker service rollback`: back to PreviousSpec, which Swarm keeps. */
  async rollbackService(serviceId: string): Promise<void> {
    const svc = this.docker.getService(serviceId);
    const cur = (await svc.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    await svc.update({ _query: { version: cur.Version.Index, rollback: 'previous' }, _body: cur.Spec } as never);
  }

  async removeService(serviceId: string): Promise<void> {
    try {
      await this.docker.getService(serviceId).remove();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
  }

  /** The container tools a synthesised HEALTHCHECK needs, missing from the image (checked on the manager). */
  async missingTools(image: string, tools: string[]): Promise<string[]> {
    if (tools.length === 0) return [];
    const script = tools.map((t) => `command -v ${t} >/dev/null 2>&1 || echo ${t}`).join('; ');
    const c = await this.docker.createContainer({
      Image: image, Entrypoint: ['/bin/sh', '-c'], Cmd: [script], Labels: { 'ring.probe': 'swarm-tools' },
      HostConfig: { NetworkMode: 'none', AutoRemove: false },
    });
    try {
      await c.start();
      await c.wait();
      const out = (await c.logs({ stdout: true, stderr: false })) as Buffer;
      return demux(out).split(/\s+/).filter((w) => tools.includes(w));
    } finally {
      await c.remove({ force: true }).catch(() => undefined);
    }
  }

  async serviceLogs(serviceId: string, opts: { tail?: number; since?: number; timestamps?: boolean }): Promise<string> {
    const buf = (await this.docker.getService(serviceId).logs({
      stdout: true, stderr: true, timestamps: opts.timestamps ?? true, follow: false,
      ...(opts.tail !== undefined ? { tail: opts.tail } : {}), ...(opts.since !== undefined ? { since: opts.since } : {}),
    })) as unknown as Buffer;
    return demux(buf);
  }
}

/** Docker's multiplexed log frames (8-byte headers) → text; plain text passes through. */
export function demux(buf: Buffer | string): string {
  if (typeof buf === 'string') return buf;
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString();
    i += 8 + len;
  }
  return i === 0 ? buf.toString() : out;
}

export { serviceName };

/** `docker service logs --timestamps` text → ring's log lines (one per line, oldest first). */
export function serviceLogLines(text: string, instance: string): { instance: string; message: string; level: 'info'; timestamp: string | null }[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => {
    const sp = l.indexOf(' ');
    const head = sp > 0 ? l.slice(0, sp) : '';
    const ts = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(head) ? head : null;
    return { instance, message: ts ? l.slice(sp + 1) : l, level: 'info' as const, timestamp: ts };
  });
}
