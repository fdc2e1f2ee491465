// create() (CLOUD-HYPERVISOR.md §1.1 order, B3–B6): the cheap checks first, each with its own
// outcome (firmware → failed, disk → image_pull_back_off, port → retried, memory → terminal, nothing
// spawned), then the sparse disk copy, sidecar, VMM, virtiofsd, seed, vm.create + vm.boot, socat.
// Any failure after the first file is written runs the full remove(): nothing is left behind.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { RuntimeError, type CreatedInstance, type InstanceSpec } from '../runtime.js';
import { admissionProblem, hostMemAvailable } from './admission.js';
import { vmCreateBody, sizing } from './body.js';
import { ChApiError, ChClient } from './client.js';
import { chError } from './errors.js';
import { instanceNet } from './net.js';
import { InstancePaths, newInstanceId, volumeDir } from './paths.js';
import { bindProblem, startForwarder } from './ports.js';
import { spawnDetached, tailOf, waitForPath } from './process.js';
import { removeInstance } from './remove.js';
import { buildSeedIso, needsSeed, type SeedShare } from './seed.js';
import { writeSidecar, type Sidecar } from './sidecar.js';
import { startVirtiofsd, type Share } from './virtiofs.js';
import type { ChSettings } from './settings.js';

const run = promisify(execFile);

/** The shares a spec needs: bind-i / vol-i, and cfg-i for config/secret files grouped by directory. */
export function planShares(spec: InstanceSpec, socketDir: string, sharesDir: string): (Share & SeedShare & { files?: { name: string; content: Buffer }[] })[] {
  const out: (Share & SeedShare & { files?: { name: string; content: Buffer }[] })[] = [];
  for (const m of spec.mounts) {
    const i = out.length;
    if (m.type === 'bind') out.push({ tag: `bind-${i}`, source: m.source, destination: m.destination, readOnly: m.readOnly, noCache: false });
    else out.push({ tag: `vol-${i}`, source: volumeDir(socketDir, spec.namespace, m.source), destination: m.destination, readOnly: m.readOnly, noCache: !m.readOnly });
  }
  const byDir = new Map<string, { name: string; content: Buffer }[]>();
  for (const f of spec.files) {
    const dir = dirname(f.destination);
    const list = byDir.get(dir) ?? [];
    list.push({ name: basename(f.destination), content: f.content });
    byDir.set(dir, list);
  }
  for (const [dir, files] of byDir) {
    const i = out.length;
    // The guest mounts the files' directory read-only (Ring: the destination's parent).
    out.push({ tag: `cfg-${i}`, source: join(sharesDir, `cfg-${i}`), destination: dir, readOnly: true, noCache: false, files });
  }
  return out;
}

export async function createInstance(s: ChSettings, spec: InstanceSpec, signal?: AbortSignal): Promise<CreatedInstance> {
  // 1–2: what no retry fixes by itself comes first.
  if (!existsSync(s.firmwarePath)) {
    throw chError('firmware_not_found', `Firmware not found at ${s.firmwarePath} (set [server.runtime.cloud_hypervisor] firmware_path)`);
  }
  if (!existsSync(spec.image) || !statSync(spec.image).isFile()) {
    throw chError('disk_image_not_found', `Disk image not found: ${spec.image} (the cloud-hypervisor runtime boots a raw disk image at that absolute path)`);
  }
  // 3: every published port bindable now.
  for (const p of spec.ports) {
    const problem = await bindProblem(p);
    if (problem) throw chError('port_allocation_failed', `Port ${p.published}/${p.protocol} on ${p.hostIp} is already in use: ${problem}`);
  }
  // 4: host memory, before anything is spawned.
  const vm = sizing(spec.nanoCpus, spec.memoryBytes);
  const admission = admissionProblem(spec.name, spec.memoryReservationBytes ?? spec.memoryBytes, hostMemAvailable());
  if (admission) throw chError('insufficient_resources', admission);
  const shareCount = spec.mounts.length + new Set(spec.files.map((f) => dirname(f.destination))).size;
  if (shareCount > 10) throw chError('vm_start_failed', `at most 10 volumes per VM are supported, got ${shareCount}`);

  mkdirSync(s.socketDir, { recursive: true, mode: 0o700 });
  const id = newInstanceId(spec.deploymentId);
  const paths = new InstancePaths(s.socketDir, id);
  const net = spec.ports.length > 0 ? instanceNet(id, s.guestSubnet) : null;
  const sidecar: Sidecar = {
    deploymentId: spec.deploymentId, namespace: spec.namespace, name: spec.name,
    instanceName: `${spec.namespace}_${spec.name}_${id.slice(-8)}`,
    createdAt: Date.now(), bootedAt: null, vmmPid: null, memoryBytes: vm.memoryBytes, vcpus: vm.vcpus,
    tap: net?.tap ?? null, hostIp: net?.hostIp ?? null, guestIp: net?.guestIp ?? null, cid: instanceNet(id, s.guestSubnet).cid,
    ports: spec.ports.map((p) => ({ published: p.published, target: p.target, protocol: p.protocol })),
    forwarderPids: [], virtiofsdPids: [],
  };
  try {
    // The sidecar first: it is what maps the files back to the deployment if the server dies now.
    writeSidecar(paths.sidecar, sidecar);
    await copySparse(spec.image, paths.disk);
    abortIf(signal);
    // B24: a stale vsock (CH binds it) or API socket from an earlier life must not fail the boot.
    rmSync(paths.vsock, { force: true });
    rmSync(paths.api, { force: true });

    const child = spawnDetached(s.binaryPath, ['--api-socket', paths.api, ...(s.seccomp ? ['--seccomp', s.seccomp] : [])],
      { stdout: paths.console, stderr: paths.vmmLog });
    sidecar.vmmPid = child.pid ?? null;
    writeSidecar(paths.sidecar, sidecar);
    let early: { exited: number | null } | null;
    try {
      early = await waitForPath(paths.api, child, s.socketTimeoutMs, { listening: true });
    } catch (err) {
      throw chError('vm_start_failed', `cloud-hypervisor API socket not available: ${(err as Error).message}`);
    }
    if (early) {
      throw chError('vm_start_failed', `cloud-hypervisor exited with code ${early.exited} before creating its API socket: ${tailOf(paths.vmmLog) || '(no output)'}`);
    }

    const shares = planShares(spec, s.socketDir, paths.shares);
    const fs: { tag: string; socket: string }[] = [];
    if (shares.length > 0) {
      if (!s.virtiofsd) throw chError('vm_start_failed', 'volumes need virtiofsd, which is not installed (set [server.runtime.cloud_hypervisor] virtiofsd_path)');
      for (const [i, sh] of shares.entries()) {
        if (sh.files) {
          mkdirSync(sh.source, { recursive: true, mode: 0o700 });
          for (const f of sh.files) writeFileSync(join(sh.source, f.name), f.content, { mode: 0o644 });
        } else if (sh.tag.startsWith('vol-')) {
          mkdirSync(sh.source, { recursive: true });
        }
        try {
          const pid = await startVirtiofsd(s.virtiofsd, paths.virtiofsSocket(i), paths.virtiofsPid(i), sh, paths.vmmLog);
          sidecar.virtiofsdPids.push(pid);
          writeSidecar(paths.sidecar, sidecar);
        } catch (err) {
          throw chError('vm_start_failed', `virtiofsd for ${sh.destination}: ${(err as Error).message}`);
        }
        fs.push({ tag: sh.tag, socket: paths.virtiofsSocket(i) });
      }
    }
    abortIf(signal);

    const seedInput = { instanceId: id, env: spec.env, shares, ...(net ? { network: { guestIp: net.guestIp, hostIp: net.hostIp } } : {}) };
    let seed: string | null = null;
    if (needsSeed(seedInput)) {
      try {
        await buildSeedIso(seedInput, paths.seedStaging, paths.seed);
      } catch (err) {
        throw chError('vm_start_failed', `cannot build the cloud-init seed: ${(err as Error).message}`);
      }
      seed = paths.seed;
    }

    const body = vmCreateBody({
      firmware: s.firmwarePath, vcpus: vm.vcpus, memoryBytes: vm.memoryBytes, disk: paths.disk, seed, shares: fs, net,
      vsock: { cid: sidecar.cid, socket: paths.vsock }, deploymentId: spec.deploymentId, namespace: spec.namespace,
    });
    const client = new ChClient(paths.api);
    try {
      await client.create(body);
    } catch (err) {
      throw chError('vm_start_failed', `Failed to create VM: ${(err as Error).message}`, err);
    }
    try {
      await client.boot();
    } catch (err) {
      throw chError('vm_start_failed', `Failed to boot VM: ${(err as Error).message}`, err);
    }
    sidecar.bootedAt = Date.now();
    writeSidecar(paths.sidecar, sidecar);

    for (const p of spec.ports) {
      try {
        sidecar.forwarderPids.push(await startForwarder(p, net!.guestIp, paths.vmmLog));
      } catch (err) {
        throw chError('port_allocation_failed', `cannot forward port ${p.published}: ${(err as Error).message}`);
      }
      writeSidecar(paths.sidecar, sidecar);
    }
    abortIf(signal);
    return {
      imageDigest: null,
      instance: {
        id, name: sidecar.instanceName, deploymentId: spec.deploymentId, state: 'running', exitCode: null, oomKilled: false,
        createdAt: sidecar.createdAt, startedAt: sidecar.bootedAt, finishedAt: null, address: net?.guestIp ?? null,
      },
    };
  } catch (err) {
    await removeInstance(paths).catch(() => undefined);
    if (err instanceof RuntimeError) throw err;
    if (err instanceof ChApiError) throw chError('vm_start_failed', err.message, err);
    throw chError('vm_start_failed', (err as Error).message, err);
  }
}

async function copySparse(from: string, to: string): Promise<void> {
  try {
    await run('cp', ['--sparse=always', from, to]);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw chError('vm_start_failed', `cannot copy the disk image: ${(e.stderr || e.message).trim()}`);
  }
}

function abortIf(signal?: AbortSignal): void {
  if (signal?.aborted) throw chError('vm_start_failed', 'create aborted (apply timeout)');
}
