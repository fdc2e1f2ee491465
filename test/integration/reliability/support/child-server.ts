// `ring server start` as a child process, the way an operator runs it: its own config dir, ring.db
// and port, so a test can SIGKILL it, stop the Docker daemon under it, or break its database
// directory, and start it again on the same state.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BIN } from '../../../helpers/processes.js';
import { TEST_SECRET_KEY } from '../../../helpers/server.js';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface ChildOptions {
  /** Config dir; ring.db lives here unless dbPath says otherwise. */
  dir: string;
  port: number;
  dbPath?: string;
  /** unix:///… of the Docker daemon (default: the shared one). */
  dockerHost?: string;
  env?: Record<string, string>;
}

export interface Reply { status: number; headers: Headers; text: string; json: any }

export class ChildServer {
  output = '';
  exited: Promise<number | null>;
  exitCode: number | null | undefined = undefined;
  readonly url: string;
  private constructor(readonly proc: ChildProcess, readonly opts: ChildOptions) {
    this.url = `http://127.0.0.1:${opts.port}`;
    proc.stdout!.on('data', (d: Buffer) => { this.output += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { this.output += d.toString(); });
    this.exited = new Promise((r) => proc.once('exit', (code) => { this.exitCode = code; r(code); }));
  }

  get pid(): number { return this.proc.pid!; }

  /** Spawns the server; does not wait for it (see ready()). */
  static spawn(opts: ChildOptions): ChildServer {
    writeFileSync(join(opts.dir, 'config.toml'), `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${opts.port}\n`);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: opts.dir,
      RING_CONFIG_DIR: opts.dir,
      RING_DATABASE_PATH: opts.dbPath ?? join(opts.dir, 'ring.db'),
      RING_SECRET_KEY: TEST_SECRET_KEY,
      RING_SCHEDULER_INTERVAL: '1',
      NO_COLOR: '1',
      ...(opts.dockerHost ? { DOCKER_HOST: opts.dockerHost } : {}),
      ...opts.env,
    };
    const proc = spawn(process.execPath, [BIN, 'server', 'start'], { cwd: opts.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ChildServer(proc, opts);
  }

  static async start(opts: ChildOptions, timeoutMs = 60_000): Promise<ChildServer> {
    const s = ChildServer.spawn(opts);
    await s.ready(timeoutMs);
    return s;
  }

  /** Resolves once /healthz answers 200; throws (with the output) if the process exits first. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitCode !== undefined) throw new Error(`ring server exited (${this.exitCode}) before listening:\n${this.output}`);
      const ok = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`ring server not listening after ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.exitCode === undefined) this.proc.kill(signal);
    await this.exited;
  }

  /** One API call; a connection failure rejects (the caller decides what an unanswered write means). */
  async request(method: string, path: string, opts: { token?: string; body?: unknown; timeoutMs?: number } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.url + path, {
      method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let json: unknown;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  }

  async adminToken(): Promise<string> {
    const r = await this.request('POST', '/login', { body: { username: 'admin', password: 'changeme' } });
    if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text}`);
    return r.json.token as string;
  }
}
