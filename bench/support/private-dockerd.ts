// The private Docker daemon every benchmark runs on. The machine's shared daemon serves other
// people's tests (a benchmark there disturbs them, and their containers disturb the figures), and
// `docker swarm init` there would change it under everybody, so the bench runs its own dockerd:
// own unix socket, --data-root, --exec-root, --pidfile, address pool 10.214.0.0/16 in /22 networks, inside its own
// network namespace (so its bridges and iptables rules never touch the host's), with the test
// images built straight into it from the host's static busybox (never read from the shared
// daemon). Entered with nsenter rather than `ip netns exec`, which remounts /sys and hides the
// cgroup hierarchy dockerd needs. The bench then runs inside that namespace (bench/run.ts), so
// ring's http probes reach the containers' bridge addresses and 127.0.0.1 is the namespace's own.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { ensureTestImages } from '../../test/helpers/images.js';
import { dockerApi } from './context.js';
import { DockerCli, sleep } from './util.js';

const ROOT = '/tmp/ring-bench-dockerd';
const NETNS = 'ringbench-perf';
export const NETNS_PATH = `/run/netns/${NETNS}`;
// /22 networks: 300 containers on one namespace network need more than a /24's 253 addresses.
const POOL = 'base=10.214.0.0/16,size=22';

export interface PrivateDaemon {
  cli: DockerCli;
  host: string;
  /** Runs a command inside the daemon's network namespace (its containers' IPs are reachable there). */
  nsPrefix: string[];
  /** Seconds the start took (daemon, images, swarm init). */
  startS: number;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Processes whose command line names ROOT: the daemon's own containerd and shims. */
function daemonChildren(): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(ROOT)) out.push(Number(e));
    } catch { /* gone */ }
  }
  return out;
}

/** Stops our daemon (by its pidfile; also one an interrupted run left behind) and clears its mounts. */
async function stopLeftover(): Promise<void> {
  const pidfile = `${ROOT}/dockerd.pid`;
  if (!existsSync(pidfile)) return;
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  if (pid > 0 && alive(pid)) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 300 && alive(pid); i++) await sleep(100);
  }
  // Its managed containerd exits after it; the data root stays busy until then.
  for (let i = 0; i < 100 && daemonChildren().length > 0; i++) await sleep(100);
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(ROOT));
  for (const m of mounts.reverse()) run('umount', ['-l', m]);
}

/** Starts the daemon, builds the test images in it, initialises a single-node swarm; or says why it cannot. */
export async function startPrivateSwarm(): Promise<PrivateDaemon | { unavailable: string }> {
  const t0 = performance.now();
  await stopLeftover();
  rmSync(ROOT, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  mkdirSync(ROOT, { recursive: true });
  if (!existsSync(`/run/netns/${NETNS}`)) {
    const add = run('ip', ['netns', 'add', NETNS]);
    if (!add.ok) return { unavailable: `cannot create a network namespace for a private dockerd (ip netns add: ${add.out})` };
  }
  run('ip', ['netns', 'exec', NETNS, 'ip', 'link', 'set', 'lo', 'up']);
  const nsPrefix = ['nsenter', `--net=${NETNS_PATH}`];
  const host = `unix://${ROOT}/docker.sock`;
  const log = openSync(`${ROOT}/dockerd.log`, 'a');
  const d = spawn(nsPrefix[0]!, [...nsPrefix.slice(1), 'dockerd', '--host', host, '--data-root', `${ROOT}/data`,
    '--exec-root', `${ROOT}/exec`, '--pidfile', `${ROOT}/dockerd.pid`, '--default-address-pool', POOL,
    '--bip', '10.214.255.1/24'], { stdio: ['ignore', log, log], detached: true });
  d.unref();
  const cli = new DockerCli(host);
  let up = false;
  for (let i = 0; i < 300 && d.exitCode === null; i++) {
    if (run('docker', ['-H', host, 'version', '--format', '{{.Server.Version}}']).ok) { up = true; break; }
    await sleep(100);
  }
  const stop = async () => {
    run('docker', ['-H', host, 'swarm', 'leave', '--force']);
    await stopLeftover();
    run('ip', ['netns', 'delete', NETNS]);
    rmSync(ROOT, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };
  if (!up) {
    const why = existsSync(`${ROOT}/dockerd.log`) ? readFileSync(`${ROOT}/dockerd.log`, 'utf8').trim().split('\n').at(-1) : '';
    await stop();
    return { unavailable: `a private dockerd did not start: ${why}` };
  }
  try {
    await ensureTestImages(dockerApi(host), host);
  } catch (err) {
    await stop();
    return { unavailable: `cannot build the test images in the private dockerd: ${(err as Error).message.split('\n')[0]}` };
  }
  const init = run('docker', ['-H', host, 'swarm', 'init', '--advertise-addr', '127.0.0.1']);
  if (!init.ok) {
    await stop();
    return { unavailable: `docker swarm init on the private dockerd failed: ${init.out}` };
  }
  return { cli, host, nsPrefix, stop, startS: (performance.now() - t0) / 1000 };
}
