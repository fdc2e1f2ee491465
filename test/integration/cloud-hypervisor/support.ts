// The CH adapter against the simulator: a temp socket_dir, a firmware file, guest "disks" (JSON
// read by the simulator), and settings on the loopback guest subnet with NAT off.
import { mkdtempSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudHypervisorRuntime, type ChSettings } from '../../../src/runtime/cloud-hypervisor/index.js';
import type { InstanceSpec } from '../../../src/runtime/runtime.js';
import { pidsMentioning } from '../../../src/runtime/cloud-hypervisor/process.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const SIMULATOR = join(REPO, 'test', 'fixtures', 'cloud-hypervisor', 'cloud-hypervisor');
export const FAKE_VIRTIOFSD = join(REPO, 'test', 'fixtures', 'cloud-hypervisor', 'virtiofsd');
export const C_VIRTIOFSD = '/usr/lib/qemu/virtiofsd';

export interface Guest {
  console?: string[];
  console_every_ms?: number;
  console_line?: string;
  poweroff_after_ms?: number;
  crash_after_ms?: number;
  agent?: boolean;
  listen?: { port: number; http?: Record<string, number> }[];
  boot_delay_ms?: number;
}

export class ChFixture {
  readonly root: string;
  readonly socketDir: string;
  readonly firmware: string;
  runtime: CloudHypervisorRuntime;

  constructor(overrides: Partial<ChSettings> = {}) {
    // Short: unix socket paths must fit in 107 bytes.
    this.root = mkdtempSync(join(tmpdir(), 'rch-'));
    this.socketDir = join(this.root, 's');
    this.firmware = join(this.root, 'vmlinux');
    writeFileSync(this.firmware, 'rust-hypervisor-firmware (simulated)\n');
    this.runtime = new CloudHypervisorRuntime(this.settings(overrides));
  }

  settings(overrides: Partial<ChSettings> = {}): ChSettings {
    return {
      binaryPath: SIMULATOR, firmwarePath: this.firmware, socketDir: this.socketDir, seccomp: 'false',
      guestSubnet: '127.42.0.0/16', manageNat: false, virtiofsd: FAKE_VIRTIOFSD,
      maxConsoleLogBytes: 10 * 1024 * 1024, maxConsoleLogBackups: 3, consoleLogRotateIntervalMs: 60_000,
      socketTimeoutMs: 30_000, ...overrides,
    };
  }

  disk(guest: Guest, name = 'guest.raw'): string {
    const p = join(this.root, name);
    writeFileSync(p, JSON.stringify(guest));
    return p;
  }

  files(): string[] {
    return existsSync(this.socketDir) ? readdirSync(this.socketDir).filter((n) => n !== 'volumes').sort() : [];
  }

  /** Every process (VMM, virtiofsd) still naming this fixture's socket_dir. */
  processes(): number[] {
    return pidsMentioning(this.socketDir);
  }

  async cleanup(): Promise<void> {
    this.runtime.close();
    for (const i of await this.runtime.list().catch(() => [])) await this.runtime.remove(i.id).catch(() => undefined);
    for (const pid of this.processes()) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function spec(image: string, over: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    deploymentId: over.deploymentId ?? 'd3adb33f-0000-4000-8000-000000000001',
    namespace: 'default', name: 'vm', image, pullPolicy: 'Always', command: [], env: {}, labels: {},
    ports: [], mounts: [], files: [], networkMode: 'bridge', privileged: false, ...over,
  };
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
