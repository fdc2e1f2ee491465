// A `ring server start` child configured for the cloud-hypervisor runtime with the simulator, and
// the `ring` CLI against it: the upstream CH e2e scenarios (CLOUD-HYPERVISOR.md §1.15) as a user runs them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, cliEnv, ringCli, type Result } from '../../helpers/processes.js';
import { freePort } from '../../helpers/server-process.js';
import { pidsMentioning } from '../../../src/runtime/cloud-hypervisor/process.js';
import { FAKE_VIRTIOFSD, SIMULATOR, type Guest } from './support.js';

export class ChRing {
  readonly dir: string;
  readonly socketDir: string;
  readonly firmware: string;
  readonly key = randomBytes(32).toString('base64');
  port = 0;
  url = '';
  child: ChildProcess | null = null;
  output = '';
  private token = '';

  constructor(opts: { firmware?: 'present' | 'missing' } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'rche-'));
    this.socketDir = join(this.dir, 's');
    this.firmware = join(this.dir, 'vmlinux');
    if (opts.firmware !== 'missing') writeFileSync(this.firmware, 'hypervisor-fw (simulated)\n');
  }

  get env(): NodeJS.ProcessEnv {
    return cliEnv(this.dir, { HOME: this.dir, RING_SECRET_KEY: this.key, RING_DATABASE_PATH: join(this.dir, 'ring.db'), RING_CH_SOCKET_TIMEOUT_MS: '30000' });
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    writeFileSync(join(this.dir, 'config.toml'), [
      '[contexts.default]', 'host = "127.0.0.1"', `api.port = ${this.port}`, '',
      '[server.scheduler]', 'interval = 1', '',
      '[server.runtime.docker]', 'enabled = false', '',
      '[server.runtime.cloud_hypervisor]', 'enabled = true', `binary_path = "${SIMULATOR}"`, `firmware_path = "${this.firmware}"`,
      `socket_dir = "${this.socketDir}"`, 'seccomp = "false"', 'guest_subnet = "127.42.0.0/16"', 'manage_nat = false',
      `virtiofsd_path = "${FAKE_VIRTIOFSD}"`, 'max_console_log_bytes = 4096', 'max_console_log_backups = 2', 'console_log_rotate_interval = "1s"', '',
    ].join('\n'));
    this.url = `http://127.0.0.1:${this.port}`;
    const child = spawn(process.execPath, [BIN, 'server', 'start'], { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => { this.output += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { this.output += d.toString(); });
    this.child = child;
    let gone = false;
    child.once('exit', () => { gone = true; });
    await poll('ring server', async () => {
      if (gone) throw new Error(`server exited:\n${this.output}`);
      try { return (await fetch(`${this.url}/healthz`)).ok || undefined; } catch { return undefined; }
    }, 90_000);
    const login = await this.cli(['login', '-u', 'admin', '-p', 'changeme']);
    if (login.code !== 0) throw new Error(`login failed: ${login.stderr}`);
    const r = await fetch(`${this.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'changeme' }) });
    this.token = ((await r.json()) as { token: string }).token;
  }

  /** SIGKILL (t25) or SIGTERM; the VMs are not touched either way. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const done = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await done;
    this.child = null;
  }

  cli(args: string[]): Promise<Result> {
    return ringCli(args, this.env, 120_000);
  }

  async api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const r = await fetch(`${this.url}${path}`, {
      method, headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : undefined };
  }

  disk(guest: Guest, name: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, JSON.stringify(guest));
    return p;
  }

  /** `ring apply -f` of one deployment (YAML via JSON, which YAML reads). */
  async apply(d: Record<string, unknown>): Promise<string> {
    const file = join(this.dir, `${String(d.name)}-${randomBytes(3).toString('hex')}.yaml`);
    writeFileSync(file, JSON.stringify({ deployments: { [String(d.name)]: { namespace: 'default', runtime: 'cloud-hypervisor', kind: 'worker', ...d } } }));
    const r = await this.cli(['apply', '-f', file]);
    if (r.code !== 0) throw new Error(`apply failed (${r.code}): ${r.stdout}\n${r.stderr}`);
    const list = await this.api('GET', '/deployments');
    const mine = (list.json as { id: string; name: string; status: string; created_at: string }[])
      .filter((x) => x.name === d.name && x.status !== 'deleted').sort((a, b) => b.created_at.localeCompare(a.created_at));
    if (!mine[0]) throw new Error(`applied ${String(d.name)} but it is not listed`);
    return mine[0].id;
  }

  async deployment(id: string): Promise<any> {
    return (await this.api('GET', `/deployments/${id}`)).json;
  }

  async waitStatus(id: string, statuses: string[], timeoutMs = 120_000): Promise<any> {
    return poll(`${id} in ${statuses.join('|')}`, async () => {
      const d = await this.deployment(id);
      return d && statuses.includes(d.status) ? d : undefined;
    }, timeoutMs);
  }

  async events(id: string): Promise<{ reason: string; message: string; component: string; level: string }[]> {
    return (await this.api('GET', `/deployments/${id}/events?limit=200`)).json;
  }

  async remove(id: string): Promise<void> {
    const r = await this.cli(['deployment', 'delete', id]);
    if (r.code !== 0) throw new Error(`delete failed: ${r.stderr}`);
    await poll(`${id} purged`, async () => ((await this.api('GET', `/deployments/${id}`)).status === 404 ? true : undefined), 120_000);
  }

  /** `find socket_dir -name 'ch-*.<ext>'`, as upstream's tests count files. */
  files(ext: string, id?: string): string[] {
    let names: string[] = [];
    try { names = readdirSync(this.socketDir); } catch { return []; }
    return names.filter((n) => n.startsWith(id ? `ch-${id.replace(/-/g, '').slice(0, 8)}` : 'ch-') && n.endsWith(ext));
  }

  vmmPids(): number[] {
    return pidsMentioning(`--api-socket ${this.socketDir}`);
  }

  async cleanup(): Promise<void> {
    await this.stop();
    for (const pid of pidsMentioning(this.socketDir)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    for (const pid of pidsMentioning(this.dir)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    rmSync(this.dir, { recursive: true, force: true });
  }

  mkdir(name: string): string {
    const p = join(this.dir, name);
    mkdirSync(p, { recursive: true });
    return p;
  }
}

export async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
