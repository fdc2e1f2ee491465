import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { RuntimeError, type CreatedInstance, type Instance, type InstanceSpec, type InstanceState } from '../runtime.js';
import { admitMemory } from './admission.js';
import { withTimeout } from './deadline.js';
import { dockerMessage, dockerStatus, isNotFound, isPortConflict } from './errors.js';
import { removeFilesDir, writeInstanceFiles, type WrittenFiles } from './files.js';
import { ensureImage } from './images.js';
import type { HostAuthPolicy } from './host-auth.js';
import { DEPLOYMENT_LABEL, FILES_DIR_LABEL, MANAGED_LABEL, NAMESPACE_LABEL, containerLabels } from './labels.js';
import { networkName, type NetworkProvisioner } from './network.js';
import { isVisibleTo } from './ownership.js';

export function containerName(spec: Pick<InstanceSpec, 'namespace' | 'name'>): string {
  return `${spec.namespace}_${spec.name}_${randomBytes(4).toString('hex')}`;
}

/** The whole Docker create body for one instance; pure, so it can be unit-tested without a daemon. */
export function buildCreateOptions(spec: InstanceSpec, name: string, files: WrittenFiles | null, serverId?: string): Docker.ContainerCreateOptions {
  const hostMode = spec.networkMode === 'host';
  const network = networkName(spec.namespace);

  const exposedPorts: Record<string, object> = {};
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of spec.ports) {
    const key = `${p.target}/${p.protocol}`;
    exposedPorts[key] = {};
    // Docker discards bindings in host mode and warns about it; the port is the host's already.
    if (hostMode) continue;
    (portBindings[key] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: p.published > 0 ? String(p.published) : '' });
  }

  const mounts: Docker.MountSettings[] = spec.mounts.map((m) =>
    m.type === 'bind'
      ? { Type: 'bind', Source: m.source, Target: m.destination, ReadOnly: m.readOnly }
      : {
          Type: 'volume',
          Source: m.source,
          Target: m.destination,
          ReadOnly: m.readOnly,
          ...(m.driver && m.driver !== 'local'
            ? { VolumeOptions: { NoCopy: false, Labels: {}, DriverConfig: { Name: m.driver, Options: {} } } }
            : {}),
        },
  );
  for (const f of files?.mounts ?? []) {
    mounts.push({ Type: 'bind', Source: f.source, Target: f.destination, ReadOnly: true });
  }

  const hc = spec.healthcheck;
  return {
    name,
    Image: spec.image,
    // An empty Cmd would erase the image's CMD; leaving it out keeps ENTRYPOINT/CMD as built.
    ...(spec.command.length > 0 ? { Cmd: spec.command } : {}),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: containerLabels(spec, files?.dir ?? null, serverId),
    ExposedPorts: exposedPorts,
    ...(spec.user ? { User: spec.user } : {}),
    ...(hc
      ? { Healthcheck: { Test: hc.test, Interval: hc.intervalNs, Timeout: hc.timeoutNs, Retries: hc.retries, StartPeriod: hc.startPeriodNs } }
      : {}),
    HostConfig: {
      // Only the namespace network, never the default bridge: instances of different namespaces
      // must not reach each other.
      NetworkMode: hostMode ? 'host' : network,
      PortBindings: portBindings,
      Mounts: mounts,
      Privileged: spec.privileged,
      NanoCpus: spec.nanoCpus ?? 0,
      Memory: spec.memoryBytes ?? 0,
      MemoryReservation: spec.memoryReservationBytes ?? 0,
      // The reconciler owns restarts (and counts them); Docker restarting behind its back would hide crashes.
      RestartPolicy: { Name: 'no' },
    },
    ...(hostMode ? {} : { NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [spec.name, name] } } } }),
  };
}

/** Admit, pull, provision, create and start; on any failure after the create nothing is left behind. */
export async function createInstance(
  docker: Docker,
  networks: NetworkProvisioner,
  spec: InstanceSpec,
  signal?: AbortSignal,
  serverId?: string,
  hostAuth?: HostAuthPolicy,
): Promise<CreatedInstance> {
  throwIfAborted(signal);
  await admitMemory(spec);
  // The namespace network is made ready while the image is checked (one round trip less on the
  // path to a running container); the image's failure, if any, is the one reported.
  const network = spec.networkMode !== 'host' ? networks.ensure(spec.namespace) : Promise.resolve('');
  network.catch(() => undefined);
  // A failed image check still waits for the network call: no Docker work of this create may
  // outlive it (a caller that cleans up after the failure would race the network's creation).
  const imageDigest = await ensureImage(docker, spec, signal, hostAuth).catch(async (err: unknown) => {
    await network.catch(() => undefined);
    throw err;
  });
  throwIfAborted(signal);
  await network;
  await ensureVolumes(docker, spec);
  const files = await writeInstanceFiles(spec.deploymentId, spec.files, spec.user);

  const name = containerName(spec);
  let container: Docker.Container;
  try {
    container = await docker.createContainer(buildCreateOptions(spec, name, files, serverId));
  } catch (err) {
    await removeFilesDir(files?.dir);
    throw new RuntimeError('instance_creation_failed', `Docker failed to start container: ${dockerMessage(err)}`, { cause: err });
  }

  try {
    throwIfAborted(signal);
    await container.start();
    const info = await container.inspect();
    return { instance: fromInspect(info), imageDigest };
  } catch (err) {
    await discard(container, files);
    if (err instanceof RuntimeError) throw err;
    const message = dockerMessage(err);
    const reason = isPortConflict(message) ? 'port_allocation_failed' : 'instance_creation_failed';
    throw new RuntimeError(reason, `Docker failed to start container: ${message}`, { cause: err });
  }
}

async function ensureVolumes(docker: Docker, spec: InstanceSpec): Promise<void> {
  for (const m of spec.mounts) {
    if (m.type !== 'volume') continue;
    try {
      // Creating an existing local volume is a no-op that returns it, so this is idempotent.
      await docker.createVolume({
        Name: m.source,
        ...(m.driver && m.driver !== 'local' ? { Driver: m.driver } : {}),
        Labels: { ...(m.labels ?? {}), [MANAGED_LABEL]: 'true' },
      });
    } catch (err) {
      throw new RuntimeError('instance_creation_failed', `Failed to create volume '${m.source}': ${dockerMessage(err)}`, { cause: err });
    }
  }
}

async function discard(container: Docker.Container, files: WrittenFiles | null): Promise<void> {
  await container.remove({ force: true, v: true }).catch(() => undefined);
  await removeFilesDir(files?.dir);
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new RuntimeError('runtime_error', 'create aborted', { cause: signal.reason });
}

/** Stop (2 s grace) and keep the container, so its logs stay readable. Missing or already stopped is fine. */
export async function stopInstance(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).stop({ t: 2 });
  } catch (err) {
    const status = dockerStatus(err);
    // 304 = already stopped, 404 = gone.
    if (status !== 304 && status !== 404) {
      throw new RuntimeError('runtime_error', `Failed to stop container ${id}: ${dockerMessage(err)}`, { cause: err });
    }
  }
}

/** Stop (2 s grace), then remove with anonymous volumes; named volumes stay. Missing is fine. */
export async function removeInstance(docker: Docker, id: string): Promise<void> {
  const container = docker.getContainer(id);
  let filesDir: string | undefined;
  try {
    filesDir = (await container.inspect()).Config.Labels?.[FILES_DIR_LABEL];
  } catch (err) {
    if (isNotFound(err)) return;
    throw new RuntimeError('runtime_error', `Failed to inspect container ${id}: ${dockerMessage(err)}`, { cause: err });
  }
  // 304 = already stopped; anything else still ends in the forced remove below.
  await container.stop({ t: 2 }).catch(() => undefined);
  try {
    await container.remove({ v: true, force: true });
  } catch (err) {
    const status = dockerStatus(err);
    // 409 = another caller's removal is already in progress.
    if (status !== 404 && status !== 409) {
      throw new RuntimeError('runtime_error', `Failed to remove container ${id}: ${dockerMessage(err)}`, { cause: err });
    }
  }
  await removeFilesDir(filesDir);
}

// ---------------------------------------------------------------------------------------------
// Listing

interface Details { startedAt: number | null; finishedAt: number | null; exitCode: number | null; oomKilled: boolean }

/**
 * Bound on each call of a list(): a pass (and an API read) learns the daemon is unwell in seconds,
 * not at the one-minute safety net of every request (deadline.ts).
 */
export const LIST_TIMEOUT_MS = 15_000;

/**
 * listContainers gives state and creation time but not start/finish times, the exact exit code or
 * OOM; those need an inspect. They cannot change while a container stays in one state, so one
 * inspect per (container, state) is cached and the steady-state cost of list() is a single call.
 */
export class InstanceLister {
  private readonly details = new Map<string, Details>();

  constructor(private readonly docker: Docker, private readonly serverId?: string) {}

  async list(): Promise<Instance[]> {
    let infos: Docker.ContainerInfo[];
    try {
      infos = await this.docker.listContainers(withTimeout({ all: true, filters: { label: [DEPLOYMENT_LABEL] } }, LIST_TIMEOUT_MS));
    } catch (err) {
      throw new RuntimeError('runtime_error', `Failed to list containers: ${dockerMessage(err)}`, { cause: err });
    }
    // Docker's label filters cannot say "this id or none", so other servers' containers go here,
    // before any of them costs an inspect.
    infos = infos.filter((i) => isVisibleTo(i.Labels, this.serverId));
    const live = new Set(infos.map((i) => detailsKey(i.Id, i.State)));
    for (const key of this.details.keys()) if (!live.has(key)) this.details.delete(key);

    return mapLimit(infos, 8, async (info) => fromListEntry(info, await this.detailsFor(info)));
  }

  private async detailsFor(info: Docker.ContainerInfo): Promise<Details | null> {
    const state = toState(info.State);
    if (state === 'created' || state === 'removing') return null;
    const key = detailsKey(info.Id, info.State);
    const cached = this.details.get(key);
    if (cached) return cached;
    try {
      const s = (await this.docker.getContainer(info.Id).inspect(withTimeout({}, LIST_TIMEOUT_MS))).State;
      const d: Details = {
        startedAt: parseDockerTime(s.StartedAt),
        finishedAt: state === 'exited' || state === 'dead' ? parseDockerTime(s.FinishedAt) : null,
        exitCode: state === 'exited' || state === 'dead' ? s.ExitCode : null,
        oomKilled: s.OOMKilled,
      };
      this.details.set(key, d);
      return d;
    } catch {
      // Removed between list and inspect: report what the list said.
      return null;
    }
  }
}

function detailsKey(id: string, state: string): string {
  return `${id}:${state}`;
}

function fromListEntry(info: Docker.ContainerInfo, details: Details | null): Instance {
  const state = toState(info.State);
  const exited = /^Exited \((-?\d+)\)/.exec(info.Status ?? '');
  return {
    id: info.Id,
    name: (info.Names?.[0] ?? '').replace(/^\//, ''),
    deploymentId: info.Labels?.[DEPLOYMENT_LABEL] ?? '',
    state,
    exitCode: details?.exitCode ?? (exited ? Number(exited[1]) : null),
    oomKilled: details?.oomKilled ?? false,
    createdAt: info.Created * 1000,
    startedAt: details?.startedAt ?? null,
    finishedAt: details?.finishedAt ?? null,
    address: pickAddress(info.NetworkSettings?.Networks ?? {}, info.Labels?.[NAMESPACE_LABEL]),
  };
}

export function fromInspect(info: Docker.ContainerInspectInfo): Instance {
  const state = toState(info.State.Status);
  const ended = state === 'exited' || state === 'dead';
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    deploymentId: info.Config.Labels?.[DEPLOYMENT_LABEL] ?? '',
    state,
    exitCode: ended ? info.State.ExitCode : null,
    oomKilled: info.State.OOMKilled,
    createdAt: Date.parse(info.Created),
    startedAt: parseDockerTime(info.State.StartedAt),
    finishedAt: ended ? parseDockerTime(info.State.FinishedAt) : null,
    address: pickAddress(info.NetworkSettings?.Networks ?? {}, info.Config.Labels?.[NAMESPACE_LABEL]),
  };
}

const STATES: readonly InstanceState[] = ['created', 'running', 'restarting', 'paused', 'exited', 'dead', 'removing'];

function toState(raw: string): InstanceState {
  return (STATES as readonly string[]).includes(raw) ? (raw as InstanceState) : 'dead';
}

function pickAddress(networks: Record<string, { IPAddress?: string }>, namespace: string | undefined): string | null {
  const own = namespace === undefined ? undefined : networks[networkName(namespace)]?.IPAddress;
  if (own) return own;
  for (const n of Object.values(networks)) if (n?.IPAddress) return n.IPAddress;
  return null;
}

/** Docker writes the zero time (0001-01-01…) for "never". */
function parseDockerTime(text: string | undefined): number | null {
  if (!text || text.startsWith('0001-')) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
