import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { RuntimeError, type CreatedInstance, type Instance, type InstanceSpec, type InstanceState } from '../runtime.js';
import { admitMemory } from './admission.js';
import { getRaw, withTimeout } from './deadline.js';
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
 *
 * Most of that call's answer is the same from one pass to the next: a container's entry changes
 * when its state does, and otherwise only when Docker's "Up 5 minutes" moves (once a minute, or an
 * hour, per container). Parsing all of it into objects every pass was most of an idle reconciler
 * tick's garbage at 300 containers (bench/support/profile-tick.ts), so the body is read as bytes,
 * cut into its entries (splitJsonArray) and only an entry whose bytes differ from the last ones
 * seen for its container id is parsed; the others give back the instance built from them then.
 * Callers never modify the instances.
 */
export class InstanceLister {
  /** By container id: the inspect of the state it was in then (state: Docker's word). */
  private readonly details = new Map<string, { state: string; details: Details }>();
  /** By container id: the bytes of its last list entry and what they gave (null: another server's). */
  private readonly entries = new Map<string, ListEntry>();
  /**
   * The entries of the last list in its order: an entry is first compared with the one at its
   * place then (Docker lists in a stable order), so an unchanged one costs no id string.
   */
  private order: (ListEntry | undefined)[] = [];
  private generation = 0;

  constructor(private readonly docker: Docker, private readonly serverId?: string, private readonly timeoutMs = LIST_TIMEOUT_MS) {}

  async list(): Promise<Instance[]> {
    let body: Buffer;
    try {
      const filters = JSON.stringify({ label: [DEPLOYMENT_LABEL] });
      body = await getRaw(this.docker, '/containers/json?', { all: true, filters }, LIST_STATUS_CODES, this.timeoutMs);
    } catch (err) {
      throw new RuntimeError('runtime_error', `Failed to list containers: ${dockerMessage(err)}`, { cause: err });
    }
    const gen = ++this.generation;
    const ranges = splitJsonArray(body);
    const out: (Instance | null)[] = [];
    /** The entry behind each of `out`, for the next list's comparison by place. */
    const placed: (ListEntry | undefined)[] = [];
    /** Entries to parse: their index in `out`, the parsed info, and the key to cache them under. */
    const fresh: { at: number; info: Docker.ContainerInfo; id: string | null; s: number; e: number }[] = [];
    try {
      if (ranges === null) {
        // Not an array of objects we can cut (JSON.parse says why, or reads it anyway): parse it all.
        const infos = JSON.parse(body.toString('utf8')) as unknown;
        if (!Array.isArray(infos)) throw new Error('not a JSON array');
        for (const info of infos as Docker.ContainerInfo[]) fresh.push({ at: out.push(null) - 1, info, id: null, s: 0, e: 0 });
      } else {
        const last = this.order;
        for (let k = 0; k < ranges.length; k += 2) {
          const s = ranges[k]!;
          const e = ranges[k + 1]!;
          // The same bytes as the entry at this place last time hold the same id: no lookup needed.
          const there = last[k >> 1];
          if (there && sameBytes(body, s, e, there.bytes)) {
            there.seen = gen;
            placed.push(there);
            out.push(there.instance);
            continue;
          }
          const id = entryId(body, s, e);
          const cached = id === null ? undefined : this.entries.get(id);
          if (cached && sameBytes(body, s, e, cached.bytes)) {
            cached.seen = gen;
            placed.push(cached);
            out.push(cached.instance);
            continue;
          }
          placed.push(undefined);
          fresh.push({ at: out.push(null) - 1, info: JSON.parse(body.toString('utf8', s, e)) as Docker.ContainerInfo, id, s, e });
        }
      }
    } catch (err) {
      this.entries.clear();
      this.order = [];
      throw new RuntimeError('runtime_error', `Failed to list containers: the daemon's answer is not a container list (${(err as Error).message})`, { cause: err });
    }
    // Docker's label filters cannot say "this id or none", so other servers' containers are left
    // out here, before any of them costs an inspect.
    const visible = fresh.filter((f) => isVisibleTo(f.info.Labels, this.serverId));
    if (visible.length > 0) {
      await mapLimit(visible, 8, async (f) => {
        const d = await this.detailsFor(f.info);
        const made = fromListEntry(f.info, d ?? null);
        // An entry that changed only where the instance does not look ("Up 5 minutes" → "Up 6
        // minutes") gives back the earlier instance: callers see an unchanged instance as the same
        // object (the executor plans a deployment again only when one of its inputs is new).
        const before = f.id === null ? undefined : this.entries.get(f.id)?.instance;
        out[f.at] = before && sameInstance(before, made) ? before : made;
        // An entry whose inspect failed is not remembered: the next list asks again.
        if (d === undefined) f.id = null;
      });
    }
    for (const f of fresh) {
      if (f.id === null || f.info.Id !== f.id) continue;
      this.entries.set(f.id, { bytes: Buffer.from(body.subarray(f.s, f.e)), state: f.info.State, instance: out[f.at] ?? null, seen: gen });
    }
    // Forget containers that are gone, and the inspects of states they have left.
    this.entries.forEach((entry, id) => { if (entry.seen !== gen) this.entries.delete(id); });
    const freshState = fresh.length > 0 ? new Map(fresh.map((f) => [f.info.Id, f.info.State])) : undefined;
    this.details.forEach((d, id) => {
      const state = freshState?.get(id) ?? this.entries.get(id)?.state;
      if (state !== d.state) this.details.delete(id);
    });
    for (const f of fresh) if (f.id !== null) placed[f.at] = this.entries.get(f.id);
    this.order = placed;
    const instances: Instance[] = [];
    for (const i of out) if (i) instances.push(i);
    return instances;
  }

/** null: the state needs no inspect; undefined: the inspect failed (the list's word is used, and not cached). */
  private async detailsFor(info: Docker.ContainerInfo): Promise<Details | null | undefined> {
    const state = toState(info.State);
    if (state === 'created' || state === 'removing') return null;
    const cached = this.details.get(info.Id);
    if (cached && cached.state === info.State) return cached.details;
    try {
      const s = (await this.docker.getContainer(info.Id).inspect(withTimeout({}, LIST_TIMEOUT_MS))).State;
      const d: Details = {
        startedAt: parseDockerTime(s.StartedAt),
        finishedAt: state === 'exited' || state === 'dead' ? parseDockerTime(s.FinishedAt) : null,
        exitCode: state === 'exited' || state === 'dead' ? s.ExitCode : null,
        oomKilled: s.OOMKilled,
      };
      this.details.set(info.Id, { state: info.State, details: d });
      return d;
    } catch {
      // Removed between list and inspect: report what the list said.
      return undefined;
    }
  }
}

/** What a container list may answer; anything else is an error (dockerode's own table for this call). */
const LIST_STATUS_CODES = { 200: true, 400: 'bad parameter', 500: 'server error' } as const;

/**
 * The container id an entry opens with (`{"Id":"…"`, as Docker writes it: Go encodes a struct's
 * fields in their order, and Id is the first); null when it does not, and the entry is then parsed
 * every time.
 */
function entryId(body: Buffer, s: number, e: number): string | null {
  const head = '{"Id":"';
  if (e - s < head.length + 2) return null;
  for (let k = 0; k < head.length; k++) if (body[s + k] !== head.charCodeAt(k)) return null;
  const close = body.indexOf(0x22, s + head.length);
  if (close < 0 || close >= e) return null;
  return body.toString('latin1', s + head.length, close);
}

/**
 * The byte ranges of the elements of a JSON array of objects, as [start, end, start, end, …];
 * null when the text is anything else (not an array, a non-object element, unbalanced), so the
 * caller parses it whole and JSON.parse reports what is wrong. Only brackets outside strings count.
 */
export function splitJsonArray(buf: Buffer): number[] | null {
  const n = buf.length;
  let i = 0;
  const isWs = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
  while (i < n && isWs(buf[i])) i++;
  if (buf[i] !== 0x5b) return null;
  i++;
  const out: number[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let expectValue = true;
  for (; i < n; i++) {
    if (inString) {
      // To the closing quote natively (memchr): the bytes of an entry are mostly its strings.
      const q = buf.indexOf(0x22, i);
      if (q < 0) return null;
      let backslashes = 0;
      while (buf[q - 1 - backslashes] === 0x5c) backslashes++;
      i = q;
      if (backslashes % 2 === 0) inString = false;
      continue;
    }
    const c = buf[i]!;
    if (depth === 0) {
      if (isWs(c)) continue;
      if (c === 0x7b && expectValue) { start = i; depth = 1; expectValue = false; continue; }
      if (c === 0x2c && !expectValue && start === -1) { expectValue = true; continue; }
      if (c === 0x5d && (!expectValue || out.length === 0)) {
        for (i++; i < n; i++) if (!isWs(buf[i])) return null;
        return out;
      }
      return null;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) { out.push(start, i + 1); start = -1; }
    }
  }
  return null;
}

interface ListEntry { bytes: Buffer; state: string; instance: Instance | null; seen: number }

function sameBytes(body: Buffer, s: number, e: number, bytes: Buffer): boolean {
  return bytes.length === e - s && body.compare(bytes, 0, bytes.length, s, e) === 0;
}

/** Field by field: what a plan, the API and the prober read of an instance. */
function sameInstance(a: Instance, b: Instance): boolean {
  return a.id === b.id && a.name === b.name && a.deploymentId === b.deploymentId && a.state === b.state && a.exitCode === b.exitCode
    && a.oomKilled === b.oomKilled && a.createdAt === b.createdAt && a.startedAt === b.startedAt && a.finishedAt === b.finishedAt
    && a.address === b.address && a.cleanShutdown === b.cleanShutdown;
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
