// Builds the name → runtime map at startup from config; unreachable runtimes are skipped with a
// warning, and why each one is missing is kept so deployments that need it can say so.
import type { RingConfig } from '../config.js';
import type { Runtime } from './runtime.js';
import { createDockerRuntime } from './docker/index.js';
import { CloudHypervisorRuntime, findVirtiofsd, resolveBinary } from './cloud-hypervisor/index.js';

interface Log { info(o: object | string, m?: string): void; warn(o: object | string, m?: string): void }

export interface Runtimes {
  /** The runtimes this server runs, by name. */
  available: Map<string, Runtime>;
  /** Why each runtime this server knows but does not run is missing (turned off, binary gone, daemon down). */
  unavailable: Map<string, string>;
}

/** Socket wait for the VMM's API socket: CH creates it in milliseconds; the default leaves room for a loaded host. */
const CH_SOCKET_TIMEOUT_MS = 10_000;

/** `serverId`: the database's id (store.server.id()), so this server's Docker objects are told from other servers'. */
export async function createRuntimeSet(config: RingConfig, log: Log, env: NodeJS.ProcessEnv = process.env, serverId?: string): Promise<Runtimes> {
  const available = new Map<string, Runtime>();
  const unavailable = new Map<string, string>();
  if (config.docker.enabled) {
    const docker = createDockerRuntime(config.docker.host, serverId,
      { enabled: config.docker.useHostRegistryAuth, configPath: config.docker.hostRegistryConfig, env });
    try {
      await docker.ping();
      await docker.loadCapacity();
      available.set('docker', docker);
    } catch (e) {
      const reason = `Docker is not reachable at ${config.docker.host}: ${(e as Error).message}`;
      unavailable.set('docker', reason);
      log.warn({ host: config.docker.host, err: (e as Error).message }, 'Docker is not reachable: the docker runtime is disabled');
    }
  } else {
    unavailable.set('docker', 'the docker runtime is turned off in this server\'s config ([server.runtime.docker] enabled = false)');
  }
  const ch = config.cloudHypervisor;
  if (ch.enabled) {
    const binary = resolveBinary(ch.binaryPath, env);
    if (!binary) {
      const reason = `the cloud-hypervisor binary '${ch.binaryPath}' was not found (set [server.runtime.cloud_hypervisor] binary_path)`;
      unavailable.set('cloud-hypervisor', reason);
      log.warn({ binary: ch.binaryPath }, `${reason}: the cloud-hypervisor runtime is disabled`);
    } else {
      const runtime = new CloudHypervisorRuntime({
        binaryPath: binary, firmwarePath: ch.firmwarePath, socketDir: ch.socketDir, seccomp: ch.seccomp,
        guestSubnet: ch.guestSubnet, manageNat: ch.manageNat, virtiofsd: findVirtiofsd(ch.virtiofsdPath, env),
        maxConsoleLogBytes: ch.maxConsoleLogBytes, maxConsoleLogBackups: ch.maxConsoleLogBackups,
        consoleLogRotateIntervalMs: ch.consoleLogRotateIntervalMs,
        socketTimeoutMs: Number(env.RING_CH_SOCKET_TIMEOUT_MS) > 0 ? Number(env.RING_CH_SOCKET_TIMEOUT_MS) : CH_SOCKET_TIMEOUT_MS,
      }, log);
      try {
        await runtime.ping();
        runtime.startRotation();
        available.set('cloud-hypervisor', runtime);
      } catch (e) {
        unavailable.set('cloud-hypervisor', (e as Error).message);
        log.warn({ binary }, `${(e as Error).message}: the cloud-hypervisor runtime is disabled`);
      }
    }
  } else {
    unavailable.set('cloud-hypervisor', 'the cloud-hypervisor runtime is not enabled in this server\'s config ([server.runtime.cloud_hypervisor] enabled = true)');
  }
  for (const name of config.unimplementedRuntimes) {
    // Enabled in the file (Ring's config, `ring init --runtime podman`) but not implemented here: said
    // at start, and POST /deployments refuses the runtime with this list, never a row that never runs.
    const reason = `the ${name} runtime is not implemented by this server ([server.runtime.${name}] enabled = true has no effect); use docker or cloud-hypervisor`;
    unavailable.set(name, reason);
    log.warn({ runtime: name }, reason);
  }
  return { available, unavailable };
}

/** The available runtimes only (callers that do not report why others are missing). */
export async function createRuntimes(config: RingConfig, log: Log): Promise<Map<string, Runtime>> {
  return (await createRuntimeSet(config, log)).available;
}

/** Stops what runtimes run in the background (CH's log rotation); their workloads keep running. */
export function stopRuntimes(runtimes: Map<string, Runtime>): void {
  for (const r of runtimes.values()) if (r instanceof CloudHypervisorRuntime) r.close();
}
