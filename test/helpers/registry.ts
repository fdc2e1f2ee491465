// A real image registry (Debian's docker-registry) on 127.0.0.1, started by the test that needs it.
// Docker trusts 127.0.0.0/8 without TLS, so pulls go through the real registry protocol.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

export interface TestRegistry { host: string; stop(): Promise<void> }

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function startRegistry(opts: { htpasswd?: { user: string; password: string } } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'ring-registry-'));
  const port = await freePort();
  let auth = '';
  if (opts.htpasswd) {
    execFileSync('htpasswd', ['-Bbc', join(dir, 'htpasswd'), opts.htpasswd.user, opts.htpasswd.password], { stdio: 'pipe' });
    auth = `auth:\n  htpasswd:\n    realm: ring-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`);
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 200 || r.status === 401) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Tags a local image into the registry and pushes it (logging in first when credentials are given). */
export function pushImage(local: string, remote: string, login?: { host: string; user: string; password: string }): void {
  execFileSync('docker', ['tag', local, remote], { stdio: 'pipe' });
  if (login) execFileSync('docker', ['login', login.host, '-u', login.user, '--password-stdin'], { input: login.password, stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    execFileSync('docker', ['push', remote], { stdio: 'pipe' });
  } finally {
    if (login) execFileSync('docker', ['logout', login.host], { stdio: 'pipe' });
    execFileSync('docker', ['rmi', remote], { stdio: 'pipe' });
  }
}
