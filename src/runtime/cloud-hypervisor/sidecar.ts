// `<id>.json`: what a restarted server needs to re-adopt a VM it did not spawn (the VMs outlive the
// server): the full deployment id behind the 8-char prefix, and the pids to measure and to kill.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface Sidecar {
  deploymentId: string;
  namespace: string;
  name: string;
  /** `<namespace>_<name>_<8 hex>`, the instance name the API shows. */
  instanceName: string;
  createdAt: number;
  /** Set once vm.boot succeeded: a socket gone after this is a clean poweroff, before it a half-done create. */
  bootedAt: number | null;
  vmmPid: number | null;
  memoryBytes: number;
  vcpus: number;
  tap: string | null;
  hostIp: string | null;
  guestIp: string | null;
  cid: number;
  ports: { published: number; target: number; protocol: 'tcp' | 'udp' }[];
  forwarderPids: number[];
  virtiofsdPids: number[];
  /** Set once the helpers of an ended VM were stopped and its disk freed. */
  reapedAt?: number;
}

export function readSidecar(path: string): Sidecar | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Sidecar;
  } catch {
    return null;
  }
}

/** Written whole through a rename, so a reader never sees half a file. */
export function writeSidecar(path: string, s: Sidecar): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
