// A Docker daemon of the test's own, so it can be stopped and started without touching the shared
// one: its own socket, data root, exec root (and so its own containerd), pidfile, no default bridge,
// no iptables, and an address pool no other daemon here uses.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { run } from '../../../helpers/processes.js';

const POOL = 'base=10.213.0.0/16,size=24';

export class PrivateDockerd {
  private proc: ChildProcess | null = null;
  readonly socket: string;
  readonly host: string;
  readonly client: Docker;
  private constructor(readonly root: string) {
    this.socket = join(root, 'docker.sock');
    this.host = `unix://${this.socket}`;
    this.client = new Docker({ socketPath: this.socket });
  }

  /** Starts one, or returns why this machine cannot run a second daemon. */
  static async create(): Promise<PrivateDockerd | { skip: string }> {
    const which = await run('sh', ['-c', 'command -v dockerd']);
    if (which.code !== 0) return { skip: 'dockerd is not installed' };
    if (process.getuid?.() !== 0) return { skip: 'a second dockerd needs root' };
    // Short: a unix socket path is limited to 108 bytes.
    const d = new PrivateDockerd(mkdtempSync('/tmp/ring-reld-'));
    try {
      await d.start();
    } catch (e) {
      await d.destroy();
      return { skip: `a second dockerd would not start here: ${(e as Error).message.slice(0, 600)}` };
    }
    return d;
  }

  get pid(): number | null { return this.proc?.pid ?? null; }

  async start(timeoutMs = 60_000): Promise<void> {
    mkdirSync(join(this.root, 'data'), { recursive: true });
    const log = openSync(join(this.root, 'dockerd.log'), 'a');
    this.proc = spawn('dockerd', [
      '--host', this.host, '--data-root', join(this.root, 'data'), '--exec-root', join(this.root, 'exec'),
      '--pidfile', join(this.root, 'dockerd.pid'), '--bridge=none', '--iptables=false', '--ip-masq=false',
      '--default-address-pool', POOL, '--containerd-namespace', 'ring-rel', '--containerd-plugins-namespace', 'ring-rel-plugins',
    ], { stdio: ['ignore', log, log] });
    closeSync(log);
    const proc = this.proc;
    let exited = false;
    proc.once('exit', () => { exited = true; });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`dockerd exited: ${this.logTail()}`);
      if (await this.client.ping().then(() => true, () => false)) return;
      if (Date.now() > deadline) throw new Error(`dockerd not answering after ${timeoutMs} ms: ${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGTERM and wait for it (and its containerd) to be gone; its containers stop with it. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    await gone;
    clearTimeout(timer);
    this.proc = null;
  }

  /** Freezes the daemon: connections are accepted by the kernel and never answered. */
  freeze(): void { this.proc?.kill('SIGSTOP'); }
  thaw(): void { this.proc?.kill('SIGCONT'); }

  /** Copies an image from the shared daemon (call under the docker lock). */
  async loadImage(tag: string): Promise<void> {
    const r = await run('sh', ['-c', `docker save ${tag} | docker -H ${this.host} load`], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`loading ${tag} into the private dockerd failed: ${r.stderr}`);
  }

  logTail(): string {
    try {
      return readFileSync(join(this.root, 'dockerd.log'), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  }

  /** Removes its containers, stops it and deletes its directories. */
  async destroy(): Promise<void> {
    if (this.proc) {
      this.thaw();
      const all = await this.client.listContainers({ all: true }).catch(() => []);
      for (const c of all) await this.client.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      await this.stop();
    }
    // Whatever a hard stop left mounted under the root must go before the files can.
    await run('sh', ['-c', `grep -o ' ${this.root}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
    rmSync(this.root, { recursive: true, force: true });
  }
}
