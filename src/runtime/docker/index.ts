import http from 'node:http';
import https from 'node:https';
import { inspect } from 'node:util';
import type Docker from 'dockerode';
import DockerClient from './dockerode.js';
import { RuntimeError, type CreatedInstance, type Instance, type InstanceSpec, type InstanceStats, type LogLine, type LogOptions, type Runtime, type RuntimeEvent } from '../runtime.js';
import { installRequestDeadline, withTimeout } from './deadline.js';
import { dockerMessage } from './errors.js';
import { watchEvents } from './events.js';
import { execInInstance } from './exec.js';
import { InstanceLister, createInstance, removeInstance, stopInstance } from './instances.js';
import { readLogs } from './logs.js';
import { NetworkProvisioner } from './network.js';
import { readStats } from './stats.js';
import type { HostAuthPolicy } from './host-auth.js';

export { ExecTimeoutError, isExecTimeout } from './errors.js';
export { DEPLOYMENT_LABEL, SERVER_LABEL } from './labels.js';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
/** `ring server start` and `ring doctor` ask this first; a daemon that cannot answer a ping in 10 s is not usable. */
const PING_TIMEOUT_MS = 10_000;

export interface DockerRuntimeOptions {
  /** Path of the daemon's unix socket. */
  socketPath?: string;
  /** TCP daemon as a URL: `tcp://host:2375`, `http://host:2375` or `https://host:2376`. */
  host?: string;
  /**
   * This server's id (store.server.id()): labelled on every container created, and the filter of
   * list() and events(), so servers sharing the daemon leave each other alone. Unset = unbound.
   */
  serverId?: string;
  /** config.use_host_auth: whether and where host registry credentials are read ([server.runtime.docker]). */
  hostAuth?: HostAuthPolicy;
}

export class DockerRuntime implements Runtime {
  readonly name = 'docker' as const;
  private readonly docker: Docker;
  private readonly networks: NetworkProvisioner;
  private readonly lister: InstanceLister;
  private readonly serverId: string | undefined;
  private readonly hostAuth: HostAuthPolicy;
  private capacity: { memoryBytes: number; host: string } | null = null;

  constructor(opts: DockerRuntimeOptions = {}) {
    this.serverId = opts.serverId;
    this.hostAuth = opts.hostAuth ?? { enabled: false };
    this.docker = new DockerClient(toDockerodeOptions(opts));
    installRequestDeadline(this.docker);
    this.networks = new NetworkProvisioner(this.docker);
    this.lister = new InstanceLister(this.docker, opts.serverId);
  }

  /**
   * The daemon's MemTotal (its host may be another machine than ours, with DOCKER_HOST=tcp://…).
   * Read once after the startup ping: a host's memory does not change while the server runs.
   */
  async loadCapacity(): Promise<void> {
    try {
      const info = (await (this.docker.info as (o: object) => Promise<{ MemTotal?: number }>)(withTimeout({}, PING_TIMEOUT_MS)));
      this.capacity = typeof info.MemTotal === 'number' && info.MemTotal > 0 ? { memoryBytes: info.MemTotal, host: 'the Docker host' } : null;
    } catch {
      this.capacity = null;
    }
  }

  hostCapacity(): { memoryBytes: number; host: string } | null {
    return this.capacity;
  }

  async ping(): Promise<void> {
    try {
      await (this.docker.ping as (o: object) => Promise<unknown>)(withTimeout({}, PING_TIMEOUT_MS));
    } catch (err) {
      throw new RuntimeError('runtime_error', `Docker daemon unreachable: ${dockerMessage(err)}`, { cause: err });
    }
  }

  list(): Promise<Instance[]> {
    return this.lister.list();
  }

  create(spec: InstanceSpec, signal?: AbortSignal): Promise<CreatedInstance> {
    return createInstance(this.docker, this.networks, spec, signal, this.serverId, this.hostAuth);
  }

  remove(instanceId: string): Promise<void> {
    return removeInstance(this.docker, instanceId);
  }

  stop(instanceId: string): Promise<void> {
    return stopInstance(this.docker, instanceId);
  }

  /** Throws ExecTimeoutError (a RuntimeError 'runtime_error' with message 'timeout') past timeoutMs. */
  exec(instanceId: string, argv: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    return execInInstance(this.docker, instanceId, argv, timeoutMs);
  }

  logs(instanceId: string, opts: LogOptions): AsyncIterable<LogLine> {
    return readLogs(this.docker, instanceId, opts);
  }

  stats(instanceId: string): Promise<InstanceStats> {
    return readStats(this.docker, instanceId);
  }

  events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    return watchEvents(this.docker, signal, this.serverId);
  }
}

/** `unix:///path` → socket; `tcp://`, `http://`, `https://` → TCP; a bare path is a socket. */
export function parseDockerHost(hostUrl: string): DockerRuntimeOptions {
  if (hostUrl.startsWith('unix://')) return { socketPath: hostUrl.slice('unix://'.length) };
  if (/^(tcp|https?):\/\//.test(hostUrl)) return { host: hostUrl };
  if (hostUrl.startsWith('/')) return { socketPath: hostUrl };
  throw new RuntimeError('config_error', `unsupported Docker host '${hostUrl}' (expected unix:///path or tcp://host:port)`);
}

/** Honours DOCKER_HOST when no URL is given, as the docker CLI does. */
export function createDockerRuntime(hostUrl?: string, serverId?: string, hostAuth?: HostAuthPolicy): DockerRuntime {
  return new DockerRuntime({
    ...parseDockerHost(hostUrl ?? process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST), ...(serverId ? { serverId } : {}), ...(hostAuth ? { hostAuth } : {}),
  });
}

/**
 * One connection per call, never a kept-alive one: a daemon that is shutting down closes its
 * listener first and then stops every container, but keeps answering on connections already open,
 * so a reused socket would show those containers dying "on their own" (counted as crashes) instead
 * of an unreachable daemon. A unix-socket connect costs microseconds.
 */
function toDockerodeOptions(opts: DockerRuntimeOptions): Docker.DockerOptions {
  if (opts.host) {
    const url = new URL(opts.host.replace(/^tcp:/, 'http:'));
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    const agent = quiet(protocol === 'https' ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false }));
    return { host: url.hostname, port: url.port || (protocol === 'https' ? 2376 : 2375), protocol, agent } as Docker.DockerOptions;
  }
  // docker-modem takes `agent`; @types/dockerode does not declare it.
  return { socketPath: opts.socketPath ?? DEFAULT_DOCKER_HOST.slice('unix://'.length), agent: quiet(new http.Agent({ keepAlive: false })) } as Docker.DockerOptions;
}

/**
 * docker-modem formats every request's options for a debug line, debugging on or not, with
 * `util.inspect(options, { showHidden: true, depth: null })` — the agent included, and through it
 * every socket in flight with its whole object graph. Profiled in bench/ that was most of ring's
 * CPU per Docker call, growing with the calls in flight (a list of 300 inspects them 8 at a time).
 * A one-line rendering of the agent keeps that line cheap.
 */
export function quiet<T extends http.Agent>(agent: T): T {
  Object.defineProperty(agent, inspect.custom, { value: () => `Agent { keepAlive: false }`, enumerable: false });
  return agent;
}
