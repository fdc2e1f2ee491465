// `npm run bench [-- --quick] [-- --only=latency,rolling,scale,api]`: every benchmark in one run,
// each figure next to its anchor measured in this same run, written to bench/RESULTS.md and
// bench/results.json. --quick shortens the long scenarios (fewer rounds, smaller counts): 173 s on
// a quiet host here, 177 s at load 5 (session 6); the full run took 1521 s on a loaded one (~15 minutes asked: Docker creates
// about one container a second and scale needs 740). Not part of `npm test`.
//
// Everything runs on the bench's private dockerd (bench/support/daemon.ts), never on the
// machine's shared daemon: this process starts that daemon, then runs the scenarios in a child
// inside the daemon's network namespace (RING_BENCH_INNER), where ring's probes reach the
// containers and 127.0.0.1 is private. Without a private daemon (no netns support) it falls back
// to the shared one — then run it under `flock /tmp/ring-docker.lock`.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ensureTestImages } from '../test/helpers/images.js';
import { writeResults, type Results } from './support/report.js';
import { dockerApi, type BenchContext } from './support/context.js';
import { startPrivateSwarm, type PrivateDaemon } from './support/daemon.js';
import { DockerCli, errorLine } from './support/util.js';
import { latency } from './scenarios/latency.js';
import { rolling } from './scenarios/rolling.js';
import { scale } from './scenarios/scale.js';
import { api } from './scenarios/api.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wants = (name: string) => !only || only.includes(name);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

if (!process.env.RING_BENCH_INNER) await outer();
else await inner();

/** Starts the private daemon, runs the suite inside its namespace, stops the daemon. */
async function outer(): Promise<void> {
  const t0 = Date.now();
  console.log(`[bench] starting the private dockerd (load average ${load()})`);
  const d = await startPrivateSwarm();
  const env: NodeJS.ProcessEnv = { ...process.env, RING_BENCH_INNER: '1', RING_BENCH_T0: String(t0), RING_BENCH_LOAD0: load() };
  let cmd: string[];
  if ('unavailable' in d) {
    console.log(`[bench] no private dockerd (${d.unavailable}); running on the shared daemon without the Swarm anchors — hold /tmp/ring-docker.lock`);
    env.RING_BENCH_SWARM_UNAVAILABLE = d.unavailable;
    cmd = [process.execPath, fileURLToPath(import.meta.url), ...argv];
  } else {
    console.log(`[bench] private dockerd up in ${d.startS.toFixed(1)} s`);
    env.RING_BENCH_DOCKER_HOST = d.host;
    env.RING_BENCH_DAEMON_START_S = d.startS.toFixed(1);
    cmd = [...d.nsPrefix, process.execPath, fileURLToPath(import.meta.url), ...argv];
  }
  const child = spawn(cmd[0]!, cmd.slice(1), { env, stdio: 'inherit' });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward).on('SIGTERM', forward);
  const code = await new Promise<number>((r) => child.once('exit', (c, s) => r(c ?? (s ? 1 : 0))));
  if (!('unavailable' in d)) {
    console.log('[bench] stopping the private dockerd');
    await (d as PrivateDaemon).stop();
  }
  console.log(`[bench] total ${((Date.now() - t0) / 1000).toFixed(0)} s (load average ${load()})`);
  process.exit(code);
}

async function inner(): Promise<void> {
  const t0 = Number(process.env.RING_BENCH_T0 ?? Date.now());
  const started = new Date(t0);
  const elapsed = () => (Date.now() - t0) / 1000;
  const log = (line: string) => console.log(`[bench ${elapsed().toFixed(0).padStart(4)} s] ${line}`);
  const host = process.env.RING_BENCH_DOCKER_HOST;
  const ctx: BenchContext = {
    quick, prefix: `rbench-${randomBytes(3).toString('hex')}`, rows: [], notes: [], log,
    docker: dockerApi(host), cli: new DockerCli(host), host: host ?? 'unix:///var/run/docker.sock', private: host !== undefined,
  };
  if (!host) await ensureTestImages();
  const swarm: PrivateDaemon | { unavailable: string } = host
    ? { cli: ctx.cli, host, nsPrefix: [], startS: Number(process.env.RING_BENCH_DAEMON_START_S ?? 0), stop: async () => {} }
    : { unavailable: process.env.RING_BENCH_SWARM_UNAVAILABLE ?? 'no private dockerd' };
  if ('unavailable' in swarm) ctx.notes.push(`Swarm anchors skipped, and the suite ran on the shared daemon: ${swarm.unavailable}`);
  else ctx.notes.push(`Every scenario ran on the bench's private dockerd (own data root, network namespace and single-node Swarm), started in ${swarm.startS} s; ring servers, anchors and clients ran in its network namespace.`);

  const scenarios: [string, () => Promise<void>][] = [
    ['latency', () => latency(ctx, swarm)],
    ['rolling', () => rolling(ctx, swarm)],
    ['scale', () => scale(ctx)],
    ['api', () => api(ctx)],
  ];
  let failed = false;
  const took: string[] = [];
  for (const [name, fn] of scenarios) {
    if (!wants(name)) continue;
    const s0 = performance.now();
    try {
      await fn();
    } catch (err) {
      failed = true;
      log(`${name} FAILED: ${(err as Error).stack ?? err}`);
      ctx.notes.push(`scenario ${name} failed: ${errorLine(err)}`);
    }
    const s = ((performance.now() - s0) / 1000).toFixed(0);
    took.push(`${name} ${s} s`);
    log(`${name} done in ${s} s`);
  }
  ctx.notes.push(`Durations: ${took.join(', ')}; the whole run ${elapsed().toFixed(0)} s (daemon start and teardown included but its final stop). `
    + `Load average (1/5/15 min) at the start ${process.env.RING_BENCH_LOAD0 ?? '?'}, at the end ${load()} (2 cores, shared with other work).`);

  const docker = (() => { try { return execFileSync('docker', [...(host ? ['-H', host] : []), 'version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim(); } catch { return '?'; } })();
  const results: Results = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    durationS: elapsed(),
    mode: quick ? 'quick' : 'full',
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version, docker, 'load average at start': process.env.RING_BENCH_LOAD0 ?? '?', 'at end': load() },
    rows: ctx.rows,
    notes: ctx.notes,
  };
  // A partial run (--only) never overwrites the suite's results.
  const out = only ? `/tmp/ring-bench-${only.join('-')}` : fileURLToPath(new URL('../../bench/', import.meta.url));
  const md = only ? `${out}-RESULTS.md` : `${out}RESULTS.md`;
  const json = only ? `${out}-results.json` : `${out}results.json`;
  writeResults(results, md, json);
  log(`wrote ${md} and ${json}`);
  if (failed) process.exitCode = 1;
}
