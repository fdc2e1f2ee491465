// The vm.create body (CLOUD-HYPERVISOR.md §1.2 with our differences, B5): no `net` without ports
// (CH would still create a TAP), serial on the VMM's stdout (`Tty`, so copy-truncate rotation works),
// vsock always attached (command checks), `memory.shared` iff virtiofs shares exist (vhost-user needs
// it), oem_strings naming the deployment so vm.info alone tells whose VM this is. Pure.
import type { VmConfig } from './client.js';
import type { InstanceNet } from './net.js';

const MIB = 1024 * 1024;
export const DEFAULT_VCPUS = 1;
export const DEFAULT_MEMORY_MIB = 256;
export const MIN_MEMORY_MIB = 128;

/** vCPUs = max(1, floor(cpu)); RAM = max(128 MiB, limit) in whole MiB, 256 MiB by default. */
export function sizing(nanoCpus: number | undefined, memoryBytes: number | undefined): { vcpus: number; memoryBytes: number } {
  const vcpus = nanoCpus ? Math.max(1, Math.floor(nanoCpus / 1e9)) : DEFAULT_VCPUS;
  const mib = memoryBytes ? Math.max(MIN_MEMORY_MIB, Math.floor(memoryBytes / MIB)) : DEFAULT_MEMORY_MIB;
  return { vcpus, memoryBytes: mib * MIB };
}

export interface BodyInput {
  firmware: string;
  vcpus: number;
  memoryBytes: number;
  disk: string;
  seed: string | null;
  shares: { tag: string; socket: string }[];
  net: InstanceNet | null;
  vsock: { cid: number; socket: string };
  deploymentId: string;
  namespace: string;
}

export function vmCreateBody(i: BodyInput): VmConfig {
  return {
    payload: { firmware: i.firmware },
    cpus: { boot_vcpus: i.vcpus, max_vcpus: i.vcpus },
    memory: { size: i.memoryBytes, shared: i.shares.length > 0 },
    disks: [{ path: i.disk, readonly: false }, ...(i.seed ? [{ path: i.seed, readonly: true }] : [])],
    ...(i.shares.length > 0 ? { fs: i.shares.map((s) => ({ tag: s.tag, socket: s.socket, num_queues: 1, queue_size: 1024 })) } : {}),
    ...(i.net ? { net: [{ tap: i.net.tap, ip: i.net.hostIp, mask: i.net.mask, mac: i.net.mac }] } : {}),
    serial: { mode: 'Tty' },
    console: { mode: 'Off' },
    vsock: { cid: i.vsock.cid, socket: i.vsock.socket },
    platform: { oem_strings: [`ring.deployment=${i.deploymentId}`, `ring.namespace=${i.namespace}`] },
  };
}
