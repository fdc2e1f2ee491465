// A dockerd of the test's own, so a test or a benchmark can make it a Swarm manager, stop it, kill
// it or freeze it without touching the engine every other test uses: its own unix socket,
// --data-root, --exec-root (and so its own containerd), --pidfile and address pool, and no default
// bridge or iptables rules unless it runs in a network namespace of its own. The one such helper:
// the swarm and reliability tests start theirs here, and so does the benchmark (bench/support/daemon.ts:
// a fixed directory, a network namespace it creates, /22 networks, a single-node Swarm).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { run, sleep } from './processes.js';

export interface PrivateDockerdOptions {
  /** The --default-address-pool base: a range no other daemon here uses (e.g. 10.216.0.0/16). */
  pool: string;
  /** The pool's network size (prefix length); 24 by default (22: 1021 addresses a network). */
  poolSize?: number;
  /**
   * Its directory (socket, data and exec roots, pidfile, log); a new one under /tmp by default
   * (short: a unix socket path is limited to 108 bytes). A dockerd an interrupted run left on a
   * given directory is stopped, and the directory emptied, first.
   */
  dir?: string;
  /** A network namespace to run in (see createNetns). */
  netns?: string;
  /** Create `netns` (with lo up) if it does not exist, and delete it in destroy(); else it must exist. */
  createNetns?: boolean;
  /** After the start: `docker swarm init --advertise-addr <this>` (a single-node Swarm); left in destroy(). */
  swarmInit?: string;
  /** A default bridge at this address, with dockerd's iptables rules: only inside a netns of its own. */
  bip?: string;
  /** Its own containerd namespaces (`<name>` and `<name>-plugins`). */
  containerdNamespace?: string;
  /** How long it may take to answer a ping; 60 s by default. */
  timeoutMs?: number;
}

export class PrivateDockerd {
  readonly socket: string;
  readonly host: string;
  readonly client: Docker;
  private proc: ChildProcess | null = null;

  constructor(readonly dir: string, private readonly opts: PrivateDockerdOptions) {
    this.socket = join(dir, 'docker.sock');
    this.host = `unix://${this.socket}`;
    this.client = new Docker({ socketPath: this.socket });
  }

  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  /** Starts it (again, after stop() or kill9(): on the same data) and waits until it answers. */
  async start(): Promise<void> {
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    const argv = [
      '--host', this.host, '--data-root', join(this.dir, 'data'), '--exec-root', join(this.dir, 'exec'),
      '--pidfile', join(this.dir, 'docker.pid'), '--default-address-pool', `base=${this.opts.pool},size=${this.opts.poolSize ?? 24}`,
      ...(this.opts.bip ? ['--bip', this.opts.bip] : ['--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false']),
      ...(this.opts.containerdNamespace
        ? ['--containerd-namespace', this.opts.containerdNamespace, '--containerd-plugins-namespace', `${this.opts.containerdNamespace}-plugins`]
        : []),
    ];
    const log = openSync(join(this.dir, 'dockerd.log'), 'a');
    // nsenter, not `ip netns exec`: that one remounts /sys and hides the cgroup mounts dockerd needs.
    // Its own process group, so kill9() takes its containerd with it.
    const proc = this.opts.netns
      ? spawn('nsenter', [`--net=/run/netns/${this.opts.netns}`, 'dockerd', ...argv], { stdio: ['ignore', log, log], detached: true })
      : spawn('dockerd', argv, { stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    this.proc = proc;
    let failed: Error | undefined;
    proc.once('error', (e) => { failed = e; });
    const deadline = Date.now() + (this.opts.timeoutMs ?? 60_000);
    for (;;) {
      if (failed) throw failed;
      if (!alive(proc)) throw new Error(`dockerd exited: ${this.logTail(5)}`);
      if (await this.client.ping().then(() => true, () => false)) return;
      if (Date.now() > deadline) throw new Error(`dockerd not answering after ${this.opts.timeoutMs ?? 60_000} ms: ${this.logTail(5)}`);
      await sleep(200);
    }
  }

  /** SIGTERM, and wait until it and its containerd are gone (SIGKILL after 60 s); its data stays. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p) return;
    if (alive(p)) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGCONT'); // a frozen daemon cannot act on SIGTERM
      p.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(p, 'SIGKILL'), 60_000);
      await gone;
      clearTimeout(timer);
    }
    await childrenGone(this.dir);
  }

  /** SIGKILL of the dockerd's process group: the node dies the way a crashed host does. */
  kill9(): void {
    if (this.proc) killGroup(this.proc, 'SIGKILL');
  }

  /** Freezes the daemon: connections are accepted by the kernel and never answered. */
  freeze(): void { this.proc?.kill('SIGSTOP'); }
  thaw(): void { this.proc?.kill('SIGCONT'); }

  /** `docker -H <this engine> …` */
  cli(args: string[]): ReturnType<typeof run> {
    return run('docker', ['-H', this.host, ...args], { timeoutMs: 120_000 });
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(join(this.dir, 'dockerd.log'), 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /**
   * Removes its containers (and leaves the Swarm it initialised), stops it and deletes its
   * directory, with whatever it left mounted there, and the network namespace it created.
   */
  async destroy(): Promise<void> {
    if (this.proc && alive(this.proc)) {
      this.thaw();
      if (this.opts.swarmInit) await this.cli(['swarm', 'leave', '--force']).catch(() => undefined);
      const all = await this.client.listContainers({ all: true }).catch(() => []);
      for (const c of all) await this.client.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    await this.stop();
    unmountUnder(this.dir);
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    if (this.opts.netns && this.opts.createNetns) spawnSync('ip', ['netns', 'delete', this.opts.netns]);
  }
}

/** Starts a dockerd, or resolves `{ skip: reason }` when this machine cannot run a second one. */
export async function startPrivateDockerd(opts: PrivateDockerdOptions): Promise<PrivateDockerd | { skip: string }> {
  if ((await run('sh', ['-c', 'command -v dockerd'])).code !== 0) return { skip: 'dockerd is not installed' };
  if (process.getuid?.() !== 0) return { skip: 'a second dockerd needs root' };
  let dir: string;
  if (opts.dir) {
    await stopLeftover(opts.dir);
    rmSync(opts.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    mkdirSync(opts.dir, { recursive: true });
    dir = opts.dir;
  } else {
    dir = mkdtempSync('/tmp/ring-dockerd.');
  }
  if (opts.netns && opts.createNetns && !existsSync(`/run/netns/${opts.netns}`)) {
    const add = spawnSync('ip', ['netns', 'add', opts.netns], { encoding: 'utf8' });
    if (add.status !== 0) return { skip: `cannot create a network namespace for a private dockerd (ip netns add: ${`${add.stderr ?? ''}`.trim()})` };
    spawnSync('ip', ['-n', opts.netns, 'link', 'set', 'lo', 'up']);
  }
  const d = new PrivateDockerd(dir, opts);
  try {
    await d.start();
  } catch (e) {
    await d.destroy();
    return { skip: `a second dockerd did not come up here: ${(e as Error).message.slice(0, 600)}` };
  }
  if (opts.swarmInit) {
    const init = await d.cli(['swarm', 'init', '--advertise-addr', opts.swarmInit]);
    if (init.code !== 0) {
      await d.destroy();
      return { skip: `docker swarm init on the private dockerd failed: ${init.stderr.trim()}` };
    }
  }
  return d;
}

/** Copies images from the shared engine into another one (`docker save | docker load`). */
export async function copyImages(target: PrivateDockerd, tags: string[]): Promise<void> {
  const r = await run('bash', ['-c', `set -o pipefail; docker save ${tags.join(' ')} | docker -H ${target.host} load -q`], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`copying ${tags.join(', ')} into the private dockerd failed: ${r.stderr}`);
}

function alive(p: ChildProcess): boolean {
  return p.exitCode === null && p.signalCode === null;
}

function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  try { process.kill(-p.pid!, signal); } catch { /* already gone */ }
}

/** Processes whose command line names `dir`: a daemon's own containerd and shims. */
function processesUnder(dir: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(`${dir}/`)) out.push(Number(e));
    } catch { /* gone */ }
  }
  return out;
}

/** Its managed containerd exits after dockerd; the data root stays busy until then. */
async function childrenGone(dir: string): Promise<void> {
  for (let i = 0; i < 100 && processesUnder(dir).length > 0; i++) await sleep(100);
}

/**
 * A dockerd an interrupted run left on `dir` (a benchmark's fixed directory): stopped by its
 * pidfile, but only when that pid is still a dockerd of this directory.
 */
async function stopLeftover(dir: string): Promise<void> {
  const pidfile = join(dir, 'docker.pid');
  if (!existsSync(pidfile)) return;
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  const ours = () => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes('dockerd') && cmdline.includes(`${dir}/`);
    } catch {
      return false;
    }
  };
  if (pid > 0 && ours()) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 300 && ours(); i++) await sleep(100);
  }
  await childrenGone(dir);
  unmountUnder(dir);
}

/** dockerd leaves overlay and netns mounts under its roots; only ours (below `dir`) are touched. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`));
  for (const m of mounts.sort().reverse()) {
    const r = spawnSync('umount', [m]);
    if (r.status !== 0) spawnSync('umount', ['-l', m]);
  }
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
  const stopAll = async () => {
    for (const n of [...nodes].reverse()) {
      await n.cli(['swarm', 'leave', '--force']).catch(() => undefined);
      await n.destroy();
    }
    cleanupNs();
  };
  for (const n of names) {
    const d = await startPrivateDockerd({ pool: opts.pool, netns: n });
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
    restart: (i) => nodes[i]!.start(),
    stop: stopAll,
  };
}
