// Starts and measures a ring server child process (bench/support/ring-main.ts): its URL, an admin
// token, CPU time and RSS from /proc, and the size of its SQLite files.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpuMsOf } from './util.js';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./ring-main.js', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/ring', import.meta.url));

/**
 * The runtime settings `bin/ring` starts node with, from its shebang (`#!/usr/bin/env -S VAR=… node
 * --flag …`): the environment assignments and the node flags. The bench's servers get the same
 * ones, so its RSS and CPU figures are those of the daemon users run.
 */
export function launchSettings(shebang = readFileSync(BIN, 'utf8').split('\n')[0]!): { env: Record<string, string>; nodeArgs: string[] } {
  const m = /^#!\/usr\/bin\/env -S (.*)$/.exec(shebang);
  if (!m) return { env: {}, nodeArgs: [] };
  const words = m[1]!.trim().split(/\s+/);
  const node = words.indexOf('node');
  if (node < 0) throw new Error(`bin/ring's shebang runs no node: ${shebang}`);
  const env = Object.fromEntries(words.slice(0, node).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { env, nodeArgs: words.slice(node + 1) };
}

export interface RingOptions {
  /** RING_SCHEDULER_INTERVAL in seconds. */
  intervalS: number;
  /** DOCKER_HOST for the server (e.g. the counting proxy). */
  dockerHost?: string;
  /** Write a V8 CPU profile (node --cpu-prof) into this directory. */
  cpuProfDir?: string;
  logLevel?: string;
  /** Extra node flags for the server (profiling: e.g. --max-semi-space-size). */
  nodeArgs?: string[];
  /** Without bin/ring's runtime settings (launchSettings()): profiling their effect. */
  bareNode?: boolean;
  /** Extra environment for the server (profiling: e.g. RING_BENCH_MEMORY_REPORT). */
  env?: Record<string, string>;
}

export interface Reply { status: number; json: any; text: string }

/**
 * The line of a crashed server's stderr that says why: its first `…Error…:` line. Node prints the
 * throwing source location first (e.g. `node:internal/modules/package_json_reader:93`), which
 * alone hid the cause of an earlier failure (the worktree's package.json mid-merge).
 */
export function tellingLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^[\w.]*(Error|Exception)\b.*:/.test(l)) ?? lines.find((l) => /Error:/.test(l)) ?? lines.at(-1) ?? '(no output)';
}

export class RingProcess {
  private constructor(readonly child: ChildProcess, readonly url: string, readonly dir: string, readonly token: string) {}

  static async start(opts: RingOptions): Promise<RingProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'ring-bench-'));
    // RING_BENCH_BARE_NODE=1: every server of the run on bare node (profiling the settings, not measuring).
    const launch = opts.bareNode ?? process.env.RING_BENCH_BARE_NODE === '1' ? { env: {}, nodeArgs: [] } : launchSettings();
    const env: NodeJS.ProcessEnv = {
      ...launch.env,
      PATH: process.env.PATH,
      HOME: dir,
      RING_CONFIG_DIR: dir,
      RING_DATABASE_PATH: join(dir, 'ring.db'),
      RING_SECRET_KEY: randomBytes(32).toString('base64'),
      RING_SCHEDULER_INTERVAL: String(opts.intervalS),
      RING_LOG_LEVEL: opts.logLevel ?? 'info',
      RING_BENCH_LOG: join(dir, 'server.log'),
      ...(opts.dockerHost ? { DOCKER_HOST: opts.dockerHost } : {}),
      // Profiling aid (bench/support/ring-main.ts): the allocation profile of the (last) server to stop.
      ...(process.env.RING_BENCH_ALLOC_PROFILE ? { RING_BENCH_ALLOC_PROFILE: process.env.RING_BENCH_ALLOC_PROFILE } : {}),
      ...(process.env.RING_BENCH_GC_REPORT ? { RING_BENCH_GC_REPORT: process.env.RING_BENCH_GC_REPORT } : {}),
      ...opts.env,
    };
    // RING_BENCH_CPU_PROF=<dir>: every server of the run writes a V8 CPU profile there (profiling, not measuring).
    const profDir = opts.cpuProfDir ?? process.env.RING_BENCH_CPU_PROF;
    // RING_BENCH_NODE_ARGS="--max-semi-space-size=4 …": appended after bin/ring's own (a later V8 flag wins; profiling).
    const extra = process.env.RING_BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
    const args = [...launch.nodeArgs, ...(opts.nodeArgs ?? []), ...extra, ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), MAIN];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /RING_URL (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`ring server exited (${code}) before listening: ${tellingLine(stderr)}\n${stderr.slice(-2000)}`)));
    });
    const login = await fetch(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'changeme' }) });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
    const token = ((await login.json()) as { token: string }).token;
    return new RingProcess(child, url, dir, token);
  }

  get pid(): number {
    return this.child.pid!;
  }

  async request(method: string, path: string, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.url + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    let json: unknown;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, json, text };
  }

  /** CPU time of the server process so far, in ms (per-thread schedstat, ns resolution). */
  cpuMs(): number {
    return cpuMsOf(this.pid);
  }

  rssBytes(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  }

  /** ring.db plus its WAL and shared-memory files. */
  dbBytes(): number {
    const base = join(this.dir, 'ring.db');
    return ['', '-wal', '-shm'].reduce((sum, s) => sum + (existsSync(base + s) ? statSync(base + s).size : 0), 0);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    // RING_BENCH_KEEP_LOGS=<dir>: keep each server's log there (investigating, not measuring).
    const keep = process.env.RING_BENCH_KEEP_LOGS;
    if (keep && existsSync(join(this.dir, 'server.log'))) copyFileSync(join(this.dir, 'server.log'), join(keep, `server-${this.pid}.log`));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
