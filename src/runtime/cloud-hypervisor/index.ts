// The Cloud Hypervisor runtime: microVMs behind the same Runtime interface as Docker. Everything it
// knows lives in socket_dir (sockets, disks, sidecars), so a restarted server re-adopts the VMs it
// left running. It never imports from above src/runtime (ARCHITECTURE: runtimes are leaves).
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { quote } from 'shell-quote';
import { RuntimeError, type CreatedInstance, type Instance, type InstanceSpec, type InstanceStats, type LogLine, type LogOptions, type Runtime } from '../runtime.js';
import { ChClient } from './client.js';
import { createInstance } from './create.js';
import { listInstances, observe } from './instances.js';
import { readConsoleLogs } from './logs.js';
import { HOST_NAT, installNat, type NatHost } from './nat.js';
import { INSTANCE_ID, InstancePaths, socketDirProblem } from './paths.js';
import { removeFiles, removeInstance, stopHelpers } from './remove.js';
import { rotateAll } from './rotate.js';
import { readSidecar, writeSidecar } from './sidecar.js';
import { sampleProcess, sumCounters } from './stats.js';
import type { ChSettings } from './settings.js';
import { agentExec, AgentUnreachableError } from './vsock.js';
import { isOurs, stopPid } from './process.js';

export type { ChSettings } from './settings.js';
export { socketDirProblem } from './paths.js';
export { findVirtiofsd } from './virtiofs.js';

/** `cloud-hypervisor` on PATH, or the path itself when it contains a slash. */
export function resolveBinary(binary: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = binary.includes('/') ? [binary] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, binary));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch { /* next */ }
  }
  return null;
}

interface Log { warn(o: object | string, m?: string): void }

export class CloudHypervisorRuntime implements Runtime {
  readonly name = 'cloud-hypervisor' as const;
  private rotator: NodeJS.Timeout | null = null;
  private natDone: Promise<void> | null = null;

  constructor(readonly settings: ChSettings, private readonly log?: Log, private readonly natHost: NatHost = HOST_NAT) {}

  /** The binary answers `--version` and socket_dir is usable. */
  async ping(): Promise<void> {
    const problem = socketDirProblem(this.settings.socketDir);
    if (problem) throw new RuntimeError('config_error', problem);
    const version = await new Promise<string>((resolve, reject) => {
      execFile(this.settings.binaryPath, ['--version'], { timeout: 15_000 }, (err, stdout, stderr) => {
        if (err) reject(new RuntimeError('runtime_error', `${this.settings.binaryPath} --version failed: ${(stderr || err.message).trim()}`));
        else resolve(stdout.trim());
      });
    });
    if (!/cloud-hypervisor/i.test(version)) throw new RuntimeError('runtime_error', `${this.settings.binaryPath} does not look like cloud-hypervisor: '${version}'`);
    mkdirSync(this.settings.socketDir, { recursive: true, mode: 0o700 });
  }

  /** Starts the console-log rotation sweep (B19); close() ends it. */
  startRotation(): void {
    const { maxConsoleLogBytes, maxConsoleLogBackups, consoleLogRotateIntervalMs, socketDir } = this.settings;
    if (this.rotator || maxConsoleLogBytes <= 0 || maxConsoleLogBackups <= 0) return;
    this.rotator = setInterval(() => rotateAll(socketDir, maxConsoleLogBytes, maxConsoleLogBackups), consoleLogRotateIntervalMs);
    this.rotator.unref();
  }

  close(): void {
    if (this.rotator) clearInterval(this.rotator);
    this.rotator = null;
  }

  /** Powers the VM off and frees what it holds, keeping its sidecar and console log for the logs. */
  async stop(instanceId: string): Promise<void> {
    if (!INSTANCE_ID.test(instanceId)) return;
    const paths = this.paths(instanceId);
    const sc = readSidecar(paths.sidecar);
    if (!sc) return;
    const client = new ChClient(paths.api);
    await client.shutdown().catch(() => undefined);
    await client.shutdownVmm().catch(() => undefined);
    if (sc.vmmPid && isOurs(sc.vmmPid, paths.api)) await stopPid(sc.vmmPid, paths.api, 5_000);
    rmSync(paths.api, { force: true });
    await this.reap(paths);
  }

  async list(): Promise<Instance[]> {
    const seen = await listInstances(this.settings.socketDir);
    for (const s of seen) {
      // An ended VM holds nothing: its forwarders, file servers and disk copy go now; the sidecar
      // and console log stay so the end is observed and the logs read until the instance is removed.
      // Only VMs that booted: a create in progress has no boot yet and must keep its files.
      if ((s.instance.state === 'exited' || s.instance.state === 'dead') && s.sidecar?.bootedAt && !s.sidecar.reapedAt) void this.reap(s.paths);
    }
    return seen.map((s) => s.instance);
  }

  private async reap(paths: InstancePaths): Promise<void> {
    const sc = readSidecar(paths.sidecar);
    if (!sc || sc.reapedAt) return;
    sc.reapedAt = Date.now();
    writeSidecar(paths.sidecar, sc);
    await stopHelpers(paths, sc.forwarderPids, sc.virtiofsdPids).catch(() => undefined);
    // The API socket stays: a stale one is what tells a crash from a clean poweroff on the next list().
    const keep = [paths.sidecar, paths.api, paths.console, ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => paths.consoleBackup(n)), paths.vmmLog];
    removeFiles(paths, keep);
  }

  async create(spec: InstanceSpec, signal?: AbortSignal): Promise<CreatedInstance> {
    if (this.settings.manageNat && spec.ports.length > 0) {
      this.natDone ??= installNat(this.settings.guestSubnet, (m) => this.log?.warn({ runtime: 'cloud-hypervisor' }, m), this.natHost);
      await this.natDone;
    }
    return createInstance(this.settings, spec, signal);
  }

  async remove(instanceId: string): Promise<void> {
    if (!INSTANCE_ID.test(instanceId)) return; // never ours: nothing to remove
    await removeInstance(this.paths(instanceId));
  }

  async exec(instanceId: string, argv: string[], timeoutMs: number, opts?: { command?: string }): Promise<{ exitCode: number; output: string }> {
    const paths = this.paths(instanceId);
    const sc = readSidecar(paths.sidecar);
    if (!sc) throw new RuntimeError('runtime_error', `no such instance: ${instanceId}`);
    const command = opts?.command ?? (argv.length === 3 && argv[0] === '/bin/sh' && argv[1] === '-c' ? argv[2]! : quote(argv));
    try {
      return await agentExec(paths.vsock, sc.cid, command, timeoutMs);
    } catch (err) {
      if (err instanceof AgentUnreachableError) throw new RuntimeError('runtime_error', err.message, { cause: err });
      throw err;
    }
  }

  logs(instanceId: string, opts: LogOptions): AsyncIterable<LogLine> {
    const paths = this.paths(instanceId);
    const name = readSidecar(paths.sidecar)?.instanceName ?? instanceId;
    return readConsoleLogs(name, paths, this.settings.maxConsoleLogBackups, opts);
  }

  async stats(instanceId: string): Promise<InstanceStats> {
    const paths = this.paths(instanceId);
    const seen = await observe(this.settings.socketDir, instanceId);
    if (!seen || !existsSync(paths.api)) throw new RuntimeError('runtime_error', `instance ${instanceId} is not running`);
    const client = new ChClient(paths.api);
    let pid = seen.sidecar?.vmmPid ?? null;
    if (!isOurs(pid, paths.api)) pid = await client.ping().then((p) => p.pid ?? null, () => null);
    if (!pid) throw new RuntimeError('runtime_error', `cannot find the VMM process of ${instanceId}`);
    const [proc, counters] = await Promise.all([sampleProcess(pid), client.counters().catch(() => undefined)]);
    const totals = sumCounters(counters);
    const limit = seen.sidecar?.memoryBytes ?? 0;
    return {
      instanceId, instanceName: seen.instance.name,
      cpuPercent: proc.cpuPercent,
      memory: { usageBytes: proc.rssBytes, limitBytes: limit, usagePercent: limit > 0 ? (proc.rssBytes / limit) * 100 : 0 },
      network: { rxBytes: totals.rxBytes, txBytes: totals.txBytes, rxPackets: totals.rxPackets, txPackets: totals.txPackets },
      diskIo: { readBytes: totals.readBytes, writeBytes: totals.writeBytes },
      pids: { current: proc.threads, limit: null },
      restartCount: 0,
    };
  }

  private paths(id: string): InstancePaths {
    return new InstancePaths(this.settings.socketDir, id);
  }
}
