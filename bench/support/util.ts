// Small shared pieces of the benchmark suite: timing, waiting, docker CLI calls and statistics.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const now = () => performance.now();

/** Polls cond until it holds; throws `what` timed out after timeoutMs. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000, stepMs = 10): Promise<void> {
  const start = now();
  while (!(await cond())) {
    if (now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** A docker CLI bound to one daemon (the shared one, or the bench's private Swarm daemon). */
export class DockerCli {
  constructor(readonly host?: string) {}
  private args(a: string[]): string[] {
    return this.host ? ['-H', this.host, ...a] : a;
  }
  sh(a: string[]): string {
    return execFileSync('docker', this.args(a), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).trim();
  }
  async run(a: string[]): Promise<string> {
    const { stdout } = await execFileP('docker', this.args(a), { encoding: 'utf8', maxBuffer: 64 << 20 });
    return stdout.trim();
  }
  lines(a: string[]): string[] {
    return this.sh(a).split('\n').filter(Boolean);
  }
  running(cid: string): boolean {
    try { return this.sh(['inspect', '--format', '{{.State.Running}}', cid]) === 'true'; } catch { return false; }
  }
  hostPid(cid: string): number {
    return Number(this.sh(['inspect', '--format', '{{.State.Pid}}', cid]));
  }
  /** Removes containers in batches (one CLI call per 50). */
  removeAll(ids: string[]): void {
    for (let i = 0; i < ids.length; i += 50) {
      try { this.sh(['rm', '-f', '-v', ...ids.slice(i, i + 50)]); } catch { /* already gone */ }
    }
  }
}

export interface Summary { median: number; min: number; max: number; n: number }

export function summarize(all: number[]): Summary {
  const xs = all.filter((x) => Number.isFinite(x));
  if (xs.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)!, n: s.length };
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
}

/**
 * CPU time a process has used so far, in ms, from every thread's /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds on the CPU): /proc/<pid>/stat counts in 10 ms ticks, too coarse for one idle tick.
 * Threads that already exited are not counted (node's main thread and its pool live as long as it).
 */
export function cpuMsOf(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch { /* the thread ended */ }
  }
  return ns / 1e6;
}
