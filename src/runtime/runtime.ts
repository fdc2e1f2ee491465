// The one interface between the reconciler and a container/VM runtime. Runtimes never import
// from the store, the API or the reconciler; everything they need arrives in an InstanceSpec.

/** The closed set of reasons a runtime operation can fail; classify() in the reconciler maps each to a status. */
export type RuntimeErrorReason =
  | 'image_not_found'        // tag/manifest missing, or policy Never with nothing cached
  | 'image_pull_failed'      // auth, unreachable registry, other pull error (transient)
  | 'instance_creation_failed'
  | 'network_creation_failed'
  | 'config_error'
  | 'insufficient_resources'
  | 'port_allocation_failed'
  | 'file_system_error'
  | 'runtime_error'
  // Cloud Hypervisor (CLOUD-HYPERVISOR.md §1.11): a missing firmware cannot fix itself (terminal
  // `failed`); a missing disk image is terminal `image_pull_back_off` with the count left at 0
  // (there is no registry to pull from); anything else going wrong while booting is retried.
  | 'firmware_not_found'
  | 'disk_image_not_found'
  | 'vm_start_failed';

/** How a runtime names its failure events (component, reason) when Ring's Docker names don't fit. */
export interface RuntimeEventName { component: string; reason: string }

export class RuntimeError extends Error {
  /** Set by runtimes whose events carry their own names (cloud-hypervisor: PascalCase reasons). */
  event?: RuntimeEventName;

  constructor(readonly reason: RuntimeErrorReason, message: string, options?: { cause?: unknown; event?: RuntimeEventName }) {
    super(message, options);
    this.name = 'RuntimeError';
    if (options?.event) this.event = options.event;
  }
}

export type InstanceState = 'created' | 'running' | 'restarting' | 'paused' | 'exited' | 'dead' | 'removing';

/** What a runtime reports about one of the instances it owns. */
export interface Instance {
  id: string;             // full runtime id (Docker container id)
  name: string;           // <namespace>_<name>_<8 hex>
  deploymentId: string;   // from the ring_deployment label
  state: InstanceState;
  exitCode: number | null;  // set once exited
  oomKilled: boolean;
  createdAt: number;      // ms since epoch
  startedAt: number | null;
  finishedAt: number | null;
  address: string | null; // runtime-private IP
  /**
   * The instance ended on its own accord without an exit code (a VM whose guest powered off):
   * a job is completed by it, a worker counts it as a restart like any other end.
   */
  cleanShutdown?: boolean;
}

export interface MountSpec {
  type: 'bind' | 'volume';
  source: string;         // host path or volume name
  destination: string;
  readOnly: boolean;
  driver?: string;        // named volumes: non-local driver
  labels?: Record<string, string>;
}

/** A file the runtime must make visible read-only inside the instance (config keys, secrets). */
export interface FileMountSpec { destination: string; content: Buffer }

export interface RegistryAuth { serveraddress?: string; username: string; password: string }

/** Everything a runtime needs to create one instance; secrets are already decrypted. */
export interface InstanceSpec {
  deploymentId: string;
  namespace: string;
  name: string;
  image: string;
  pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  auth?: RegistryAuth;
  /** config.use_host_auth: pull with the host's registry credentials, if the runtime's policy allows it. */
  useHostAuth?: boolean;
  command: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  ports: { published: number; target: number; hostIp: string; protocol: 'tcp' | 'udp' }[];
  mounts: MountSpec[];
  files: FileMountSpec[];
  networkMode: 'bridge' | 'host';
  user?: string;
  privileged: boolean;
  nanoCpus?: number;
  memoryBytes?: number;
  memoryReservationBytes?: number;
  /** Docker HEALTHCHECK derived from a readiness command check. */
  healthcheck?: { test: string[]; intervalNs: number; timeoutNs: number; retries: number; startPeriodNs: number };
}

export interface CreatedInstance { instance: Instance; imageDigest: string | null }

export interface LogOptions { tail?: number; sinceSeconds?: number; follow?: boolean; signal?: AbortSignal }
/** Docker knows only its two streams (info = stdout, error = stderr); a serial console is classified line by line. */
export type LogLevel = 'error' | 'warning' | 'info' | 'debug' | 'unknown';
export interface LogLine { instance: string; message: string; level: LogLevel; timestamp: string | null }

export interface InstanceStats {
  instanceId: string;
  instanceName: string;
  cpuPercent: number;
  memory: { usageBytes: number; limitBytes: number; usagePercent: number };
  network: { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number };
  diskIo: { readBytes: number; writeBytes: number };
  pids: { current: number; limit: number | null };
  restartCount: number;
}

export type RuntimeEventKind = 'die' | 'oom' | 'kill' | 'start';
export interface RuntimeEvent { kind: RuntimeEventKind; instanceId: string; deploymentId: string; exitCode: number | null; at: number }

export interface Runtime {
  readonly name: 'docker' | 'cloud-hypervisor';
  /** Reachability check at startup. */
  ping(): Promise<void>;
  /** Every instance this runtime owns (one call for all deployments). */
  list(): Promise<Instance[]>;
  /** Pull (per policy), admit, create and start one instance; on failure nothing is left behind. */
  create(spec: InstanceSpec, signal?: AbortSignal): Promise<CreatedInstance>;
  /** Stop and remove an instance (and its anonymous volumes). Missing instances are not an error.
   * A VM runtime shuts the guest down cleanly first (the VMM itself must exit: nothing left behind). */
  remove(instanceId: string): Promise<void>;
  /**
   * Stop an instance but keep it (its logs stay readable until it is removed). Missing or already
   * stopped instances are not an error. A runtime without it has its instances removed instead.
   */
  stop?(instanceId: string): Promise<void>;
  /** `command` is the check's text as written: a runtime whose agent runs `/bin/sh -c <string>` needs it verbatim. */
  exec(instanceId: string, argv: string[], timeoutMs: number, opts?: { command?: string }): Promise<{ exitCode: number; output: string }>;
  logs(instanceId: string, opts: LogOptions): AsyncIterable<LogLine>;
  stats(instanceId: string): Promise<InstanceStats>;
  /** Live lifecycle events; the iterable ends when the stream breaks (the caller re-subscribes). */
  events?(signal: AbortSignal): AsyncIterable<RuntimeEvent>;
  /**
   * Total memory of the machine instances run on, read when the server started (null = unknown):
   * the API refuses replicas that could never fit together. Absent = not gated.
   */
  hostCapacity?(): { memoryBytes: number; host: string } | null;
}
