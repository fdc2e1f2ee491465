// `ring server start` as a child process, exactly as a user runs it: its own config dir, ring.db and port.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, cliEnv, waitFor } from './processes.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  dir: string;
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  cleanup(): void;
}

/** Starts the daemon and waits until /healthz answers; `toml` is appended to a minimal config.toml. */
export async function startServerProcess(opts: { env?: Record<string, string | undefined>; toml?: string } = {}): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'ring-srv-proc.'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.toml'), [
    '[contexts.default]', 'host = "127.0.0.1"', `api.port = ${port}`, '',
    '[server.scheduler]', 'interval = 1', '', opts.toml ?? '',
  ].join('\n'));
  const env = cliEnv(dir, {
    HOME: dir,
    RING_SECRET_KEY: randomBytes(32).toString('base64'),
    RING_DATABASE_PATH: join(dir, 'ring.db'),
    ...opts.env,
  });
  const child = spawn(process.execPath, [BIN, 'server', 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  let gone = false;
  void exited.then(() => { gone = true; });
  await waitFor(`ring server on ${url}`, async () => {
    if (gone) throw new Error(`server exited: ${out}\n${err}`);
    try { return (await fetch(`${url}/healthz`)).ok ? true : undefined; } catch { return undefined; }
  }, 60_000);
  return {
    dir, url, child,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
    cleanup() { rmSync(dir, { recursive: true, force: true }); },
  };
}
