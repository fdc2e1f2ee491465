// Every file an instance owns lives in socket_dir under its id (CLOUD-HYPERVISOR.md §1.3); named
// volumes live under socket_dir/volumes/ and are never removed with an instance.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** `ch-<first 8 of the deployment id>-<8 random hex>`, as Ring names them (upstream tooling greps `ch-*`). */
export const INSTANCE_ID = /^ch-[0-9a-z]{8}-[0-9a-f]{8}$/;

export function newInstanceId(deploymentId: string): string {
  const prefix = deploymentId.replace(/[^0-9a-z]/gi, '').toLowerCase().padEnd(8, '0').slice(0, 8);
  return `ch-${prefix}-${randomBytes(4).toString('hex')}`;
}

/** The longest path a unix socket may have (sun_path is 108 bytes with its NUL). */
export const SUN_PATH_MAX = 107;
/** How many virtiofs shares one instance may have: the guard below is computed for the widest index. */
export const MAX_SHARES = 10;

export class InstancePaths {
  constructor(readonly dir: string, readonly id: string) {}
  private f(suffix: string): string { return join(this.dir, `${this.id}${suffix}`); }
  get api(): string { return this.f('.sock'); }
  get disk(): string { return this.f('.raw'); }
  get seed(): string { return this.f('.cidata.iso'); }
  get seedStaging(): string { return this.f('.cidata'); }
  get console(): string { return this.f('.console.log'); }
  consoleBackup(n: number): string { return this.f(`.console.log.${n}`); }
  get vmmLog(): string { return this.f('.vmm.log'); }
  get vsock(): string { return this.f('.vsock'); }
  virtiofsSocket(i: number): string { return this.f(`.virtiofs-${i}.sock`); }
  virtiofsPid(i: number): string { return this.f(`.virtiofs-${i}.sock.pid`); }
  get shares(): string { return this.f('.shares'); }
  get sidecar(): string { return this.f('.json'); }
}

export function volumeDir(socketDir: string, namespace: string, name: string): string {
  return join(socketDir, 'volumes', namespace, name);
}

/**
 * B24: a socket_dir so long that `<id>.virtiofs-9.sock` no longer fits in sun_path would make every
 * boot with a volume fail deep inside CH; refuse it up front with the numbers.
 */
export function socketDirProblem(socketDir: string): string | null {
  const sample = new InstancePaths(socketDir, 'ch-00000000-00000000').virtiofsSocket(MAX_SHARES - 1);
  const len = Buffer.byteLength(sample);
  if (len <= SUN_PATH_MAX) return null;
  return `socket_dir '${socketDir}' is too long for unix sockets: ${sample} is ${len} bytes, the limit is ${SUN_PATH_MAX} (choose a socket_dir of at most ${SUN_PATH_MAX - (len - Buffer.byteLength(socketDir))} bytes)`;
}
