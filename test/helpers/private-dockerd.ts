// A dockerd of the test's own (own socket, data-root, exec-root, pidfile, address pool), so a test
// can make it a Swarm manager, or stop it, without touching the engine every other test uses.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { run, sleep } from './processes.js';

export interface PrivateDockerd {
  host: string;
  docker: Docker;
  dir: string;
  pid: number;
  /** SIGKILL of the dockerd's process group: the node dies the way a crashed host does. */
  kill9(): void;
  /** `docker -H <this engine> …` */
  cli(args: string[]): ReturnType<typeof run>;
  stop(): Promise<void>;
}

/** Starts a dockerd, or resolves `{ skip: reason }` when this sandbox cannot run a second one. */
export async function startPrivateDockerd(opts: { pool: string; timeoutMs?: number; netns?: string; dir?: string }): Promise<PrivateDockerd | { skip: string }> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ring-dockerd.'));
  const sock = join(dir, 'docker.sock');
  const log = openSync(join(dir, 'dockerd.log'), 'w');
  let child: ChildProcess;
  try {
    // nsenter, not `ip netns exec`: that one remounts /sys and hides the cgroup mounts dockerd needs.
    const argv = [
      '--host', `unix://${sock}`, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'),
      '--pidfile', join(dir, 'docker.pid'), '--bridge=none', '--iptables=false', '--ip6tables=false',
      '--default-address-pool', `base=${opts.pool},size=24`,
    ];
    child = opts.netns
      ? spawn('nsenter', [`--net=/run/netns/${opts.netns}`, 'dockerd', ...argv], { stdio: ['ignore', log, log], detached: true })
      : spawn('dockerd', argv, { stdio: ['ignore', log, log], detached: true });
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
    host, docker, dir, pid: child.pid!,
    kill9() { process.kill(-child.pid!, 'SIGKILL'); },
    cli: (args) => run('docker', ['-H', host, ...args], { timeoutMs: 120_000 }),
    async stop() {
      if (!exited) {
        try { process.kill(child.pid!, 'SIGTERM'); } catch { /* already gone */ }
        const until = Date.now() + 20_000;
        while (!exited && Date.now() < until) await sleep(200);
        if (!exited) try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
      }
      unmountUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** dockerd leaves overlay and netns mounts under its roots; only ours (below `dir`) are touched. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`));
  for (const m of mounts.sort().reverse()) {
    const r = spawnSync('umount', [m]);
    if (r.status !== 0) spawnSync('umount', ['-l', m]);
  }
}

/** Copies images from the shared engine into another one (`docker save | docker load`). */
export async function copyImages(target: PrivateDockerd, tags: string[]): Promise<void> {
  const r = await run('sh', ['-c', `docker save ${tags.join(' ')} | docker -H ${target.host} load`], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`copying images failed: ${r.stderr}`);
}

export interface SwarmCluster {
  nodes: PrivateDockerd[];
  manager: PrivateDockerd;
  /** Restarts node i's dockerd on its own data (after kill9), so its containers are cleaned up. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

const ipq = (args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

/**
 * `count` dockerds, each in a network namespace of its own, joined by veth pairs to a bridge in a
 * further namespace (10.218.<net>.0/24: addresses only these namespaces hold), made one Swarm.
 */
export async function startSwarmCluster(opts: { count: number; tag: string; pool: string }): Promise<SwarmCluster | { skip: string }> {
  const names = Array.from({ length: opts.count }, (_, i) => `${opts.tag}-n${i + 1}`);
  const sw = `${opts.tag}-sw`;
  const net = 10 + Math.floor(Math.random() * 200);
  const undo: (() => void)[] = [];
  const cleanupNs = () => { for (const u of undo.reverse()) u(); };
  const step = (args: string[]) => {
    const r = ipq(args);
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  };
  try {
    step(['netns', 'add', sw]);
    undo.push(() => ipq(['netns', 'del', sw]));
    step(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    step(['-n', sw, 'link', 'set', 'br0', 'up']);
    names.forEach((n, i) => {
      step(['netns', 'add', n]);
      undo.push(() => ipq(['netns', 'del', n]));
      const veth = `${opts.tag}v${i + 1}`.slice(0, 15);
      step(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n]);
      step(['link', 'set', veth, 'netns', sw]);
      step(['-n', sw, 'link', 'set', veth, 'master', 'br0', 'up']);
      step(['-n', n, 'addr', 'add', `10.218.${net}.${i + 1}/24`, 'dev', 'eth0']);
      step(['-n', n, 'link', 'set', 'eth0', 'up']);
      step(['-n', n, 'link', 'set', 'lo', 'up']);
    });
  } catch (e) {
    cleanupNs();
    return { skip: `network namespaces are not available here: ${(e as Error).message}` };
  }
  const nodes: PrivateDockerd[] = [];
  const dirs: string[] = [];
  const stopAll = async () => {
    for (const n of [...nodes].reverse()) {
      await n.cli(['swarm', 'leave', '--force']).catch(() => undefined);
      await n.stop();
    }
    cleanupNs();
  };
  for (const n of names) {
    const dir = mkdtempSync(join(tmpdir(), `ring-${n}.`));
    dirs.push(dir);
    const d = await startPrivateDockerd({ pool: opts.pool, netns: n, dir });
    if ('skip' in d) { await stopAll(); return d; }
    nodes.push(d);
  }
  const manager = nodes[0]!;
  const init = await manager.cli(['swarm', 'init', '--advertise-addr', `10.218.${net}.1`]);
  if (init.code !== 0) { await stopAll(); return { skip: `docker swarm init refused: ${init.stderr.trim()}` }; }
  const token = (await manager.cli(['swarm', 'join-token', '-q', 'worker'])).stdout.trim();
  for (const w of nodes.slice(1)) {
    const j = await w.cli(['swarm', 'join', '--token', token, `10.218.${net}.1:2377`]);
    if (j.code !== 0) { await stopAll(); return { skip: `docker swarm join refused: ${j.stderr.trim()}` }; }
  }
  return {
    nodes, manager,
    async restart(i) {
      const d = await startPrivateDockerd({ pool: opts.pool, netns: names[i]!, dir: dirs[i]! });
      if ('skip' in d) throw new Error(d.skip);
      nodes[i] = d;
    },
    stop: stopAll,
  };
}
