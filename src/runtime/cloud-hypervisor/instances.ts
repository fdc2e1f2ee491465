// list() (CLOUD-HYPERVISOR.md §4): one readdir of socket_dir, every sidecar and API socket, vm.info
// on each in parallel with a short timeout (a hung VMM never stalls the tick), and the mapping of
// what was seen to an Instance state. The mapping is pure and table-tested.
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { Instance, InstanceState } from '../runtime.js';
import { ChClient, ChUnreachableError, INFO_TIMEOUT_MS, type VmInfo } from './client.js';
import { INSTANCE_ID, InstancePaths } from './paths.js';
import { isOurs } from './process.js';
import { readSidecar, type Sidecar } from './sidecar.js';

/** What one look at an instance found. */
export interface Observation {
  socket: boolean;
  /** vm.info's state, 'refused' (stale socket: the VMM died), 'timeout' (hung), or null (no socket). */
  info: VmInfo['state'] | 'refused' | 'timeout' | null;
  /** vm.boot succeeded at some point (from the sidecar). */
  booted: boolean;
  vmmAlive: boolean;
}

/**
 * - socket + Running/Paused → running/paused; socket + Created → created (never booted, or shut down
 *   behind our back: the plan removes it either way);
 * - socket refused → dead: a crash (SIGKILL or panic) leaves CH's socket behind (unless the VMM is
 *   alive and never booted: it is still starting, so created);
 * - socket hung → running while the VMM lives (it may only be slow), else dead;
 * - no socket after a boot → exited cleanly: CH unlinks its socket when the guest powers off;
 * - no socket, never booted → created: a create in progress, or a half-done one the plan removes.
 */
export function stateOf(o: Observation): { state: InstanceState; cleanShutdown: boolean } {
  if (o.socket) {
    switch (o.info) {
      case 'Running': return { state: 'running', cleanShutdown: false };
      case 'Paused': case 'BreakPoint': return { state: 'paused', cleanShutdown: false };
      case 'Created': case 'Shutdown': return { state: 'created', cleanShutdown: false };
      case 'timeout': return { state: o.vmmAlive ? 'running' : 'dead', cleanShutdown: false };
      // A VMM that never booted and still lives is starting: its socket is bound before it listens.
      default: return { state: !o.booted && o.vmmAlive ? 'created' : 'dead', cleanShutdown: false };
    }
  }
  if (o.booted) return o.vmmAlive ? { state: 'dead', cleanShutdown: false } : { state: 'exited', cleanShutdown: true };
  return { state: 'created', cleanShutdown: false };
}

export function instanceIds(socketDir: string): string[] {
  let names: string[] = [];
  try { names = readdirSync(socketDir); } catch { return []; }
  const ids = new Set<string>();
  for (const n of names) {
    const m = /^(ch-[0-9a-z]{8}-[0-9a-f]{8})\.(?:sock|json)$/.exec(n);
    if (m && INSTANCE_ID.test(m[1]!)) ids.add(m[1]!);
  }
  return [...ids].sort();
}

function oemValue(info: VmInfo | null, key: string): string | null {
  const s = info?.config.platform?.oem_strings?.find((x) => x.startsWith(`${key}=`));
  return s ? s.slice(key.length + 1) : null;
}

export interface Seen { instance: Instance; sidecar: Sidecar | null; paths: InstancePaths }

export async function observe(socketDir: string, id: string): Promise<Seen | null> {
  const paths = new InstancePaths(socketDir, id);
  const sidecar = readSidecar(paths.sidecar);
  const socket = existsSync(paths.api);
  let info: VmInfo | null = null;
  let infoState: Observation['info'] = null;
  if (socket) {
    try {
      info = await new ChClient(paths.api).info(INFO_TIMEOUT_MS);
      infoState = info.state;
    } catch (err) {
      infoState = err instanceof ChUnreachableError && err.code === 'ETIMEDOUT' ? 'timeout' : 'refused';
    }
  }
  const deploymentId = sidecar?.deploymentId ?? oemValue(info, 'ring.deployment');
  if (!deploymentId) return null; // not one of ours (or a socket from an old Ring without metadata)
  const vmmAlive = isOurs(sidecar?.vmmPid, paths.api);
  const { state, cleanShutdown } = stateOf({ socket, info: infoState, booted: Boolean(sidecar?.bootedAt), vmmAlive });
  const ended = state === 'exited' || state === 'dead';
  let finishedAt: number | null = null;
  if (ended) {
    try { finishedAt = statSync(paths.console).mtimeMs; } catch { finishedAt = sidecar?.bootedAt ?? sidecar?.createdAt ?? Date.now(); }
  }
  const hasPorts = (sidecar?.ports.length ?? 0) > 0;
  return {
    paths, sidecar,
    instance: {
      id,
      name: sidecar?.instanceName ?? id,
      deploymentId,
      state,
      exitCode: null, // a VM has no exit code: clean vs crash is cleanShutdown
      oomKilled: false,
      createdAt: sidecar?.createdAt ?? 0,
      startedAt: sidecar?.bootedAt ?? null,
      finishedAt,
      address: hasPorts ? sidecar?.guestIp ?? null : null,
      ...(cleanShutdown ? { cleanShutdown: true } : {}),
    },
  };
}

export async function listInstances(socketDir: string): Promise<Seen[]> {
  const seen = await Promise.all(instanceIds(socketDir).map((id) => observe(socketDir, id)));
  return seen.filter((s): s is Seen => s !== null);
}
