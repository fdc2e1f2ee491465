// remove() (CLOUD-HYPERVISOR.md §4, B9): vm.shutdown (a "not running" answer is fine), then
// vmm.shutdown so the VMM itself exits (Ring never does: each stop leaked a process), wait or kill,
// then the helpers by pid (confirmed by /proc/<pid>/cmdline), then every file but volumes/.
// Idempotent: a second call finds nothing and does nothing.
import { readdirSync, rmSync } from 'node:fs';
import { ChClient } from './client.js';
import type { InstancePaths } from './paths.js';
import { exits, isOurs, pidsMentioning, stopPid } from './process.js';
import { readSidecar } from './sidecar.js';

const VMM_EXIT_MS = 5_000;

export async function removeInstance(paths: InstancePaths): Promise<void> {
  const sidecar = readSidecar(paths.sidecar);
  const client = new ChClient(paths.api);
  let vmmPid = sidecar?.vmmPid ?? null;
  if (!vmmPid) vmmPid = await client.ping().then((p) => p.pid ?? null, () => null);
  await client.shutdown().catch(() => undefined);
  await client.shutdownVmm().catch(() => undefined);
  if (vmmPid && isOurs(vmmPid, paths.api) && !(await exits(vmmPid, paths.api, VMM_EXIT_MS))) {
    await stopPid(vmmPid, paths.api, 500);
  }
  await stopHelpers(paths, sidecar?.forwarderPids ?? [], sidecar?.virtiofsdPids ?? []);
  // Whatever else still names this instance's files (a VMM or virtiofsd whose pid was never recorded).
  for (const pid of pidsMentioning(`${paths.dir}/${paths.id}.`)) await stopPid(pid, `${paths.dir}/${paths.id}.`, 500);
  removeFiles(paths);
}

/** socat and virtiofsd of one instance: socat is recognised by its port arguments, virtiofsd by its socket. */
export async function stopHelpers(paths: InstancePaths, forwarders: number[], virtiofsds: number[]): Promise<void> {
  await Promise.all([
    ...forwarders.map((pid) => stopPid(pid, 'socat', 1_000)),
    ...virtiofsds.map((pid) => stopPid(pid, `${paths.id}.virtiofs-`, 1_000)),
  ]);
}

export function removeFiles(paths: InstancePaths, keep: string[] = []): void {
  let names: string[] = [];
  try { names = readdirSync(paths.dir); } catch { return; }
  for (const n of names) {
    if (!n.startsWith(`${paths.id}.`)) continue;
    const full = `${paths.dir}/${n}`;
    if (keep.includes(full)) continue;
    rmSync(full, { recursive: true, force: true });
  }
}
