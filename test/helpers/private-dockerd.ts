// A dockerd of the test's own (own socket, data-root, exec-root, pidfile, address pool), so a test
// can make it a Swarm manager, or stop it, without touching the engine every other test uses.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { run, sleep } from './processes.js';

export interface PrivateDockerd {
  host: string;
  docker: Docker;
  dir: string;
  /** `docker -H <this engine> …` */
  cli(args: string[]): ReturnType<typeof run>;
  stop(): Promise<void>;
}

/** Starts a dockerd, or resolves `{ skip: reason }` when this sandbox cannot run a second one. */
export async function startPrivateDockerd(opts: { pool: string; timeoutMs?: number }): Promise<PrivateDockerd | { skip: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ring-dockerd.'));
  const sock = join(dir, 'docker.sock');
  const log = openSync(join(dir, 'dockerd.log'), 'w');
  let child: ChildProcess;
  try {
    child = spawn('dockerd', [
      '--host', `unix://${sock}`, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'),
      '--pidfile', join(dir, 'docker.pid'), '--bridge=none', '--iptables=false', '--ip6tables=false',
      '--default-address-pool', `base=${opts.pool},size=24`,
    ], { stdio: ['ignore', log, log], detached: true });
  } catch (e) {
    return { skip: `cannot start dockerd: ${(e as Error).message}` };
  }
  const docker = new Docker({ socketPath: sock });
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let exited = false;
  child.on('exit', () => { exited = true; });
  for (;;) {
    try {
      await docker.ping();
      break;
    } catch {
      if (exited || Date.now() > deadline) {
        const tail = readFileSync(join(dir, 'dockerd.log'), 'utf8').split('\n').slice(-5).join(' | ');
        if (!exited) process.kill(-child.pid!, 'SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        return { skip: `a second dockerd did not come up here: ${tail}` };
      }
      await sleep(250);
    }
  }
  const host = `unix://${sock}`;
  return {
    host, docker, dir,
    cli: (args) => run('docker', ['-H', host, ...args], { timeoutMs: 120_000 }),
    async stop() {
      if (!exited) {
        process.kill(child.pid!, 'SIGTERM');
        const until = Date.now() + 20_000;
        while (!exited && Date.now() < until) await sleep(200);
        if (!exited) process.kill(child.pid!, 'SIGKILL');
      }
      // The data root holds overlay mounts while dockerd runs; once it is gone they can go.
      await run('sh', ['-c', `umount -R ${dir}/data 2>/dev/null; umount -R ${dir}/exec 2>/dev/null; true`]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Copies images from the shared engine into another one (`docker save | docker load`). */
export async function copyImages(target: PrivateDockerd, tags: string[]): Promise<void> {
  const r = await run('sh', ['-c', `docker save ${tags.join(' ')} | docker -H ${target.host} load`], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`copying images failed: ${r.stderr}`);
}
