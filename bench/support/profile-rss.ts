// `node dist/bench/support/profile-rss.js [--runs=plain:100,http:100] [--node-args='--flag …'] [--env=K=V,…] [--snapshot=<dir>] [--stub]`:
// where the idle ring server's RSS goes (issue 15: "RSS ≤ 150 MB at 300"). Starts a private dockerd
// of its own (/tmp/ring-rss-dockerd, netns ringrss, pool 10.215.0.0/16 — never the bench's, whose
// lock the suite holds), builds the test images in it, re-runs itself inside that namespace (so
// http probes reach the containers), then for each run: a ring server (RingProcess, tick 2 s, as
// scenario 4) with N one-replica workers (http: one http check each at 1 s, as scenario 6), waits
// until all are running, idles 4 s + 10 s, and prints the server's VmRSS beside its own breakdown
// (process.memoryUsage(), V8 heap spaces, smaps_rollup anon/file; after a full GC too), written by
// the server on SIGUSR2 (bench/support/ring-main.ts, RING_BENCH_MEMORY_REPORT). With --snapshot a
// heap snapshot per run is written there. Every server starts with bin/ring's runtime settings
// (its shebang: RingProcess) and --node-args/--env on top, except runs marked :base (and --stub
// with --base), which start on bare node. --stub: one idle server on the Docker stub, no Docker.
// Removes its containers and networks after each run, and the dockerd and netns at the end.
// Profiling aid, not part of the suite.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDockerStub } from '../../test/helpers/docker-stub.js';
import { BUSYBOX_IMAGE, HTTPD_IMAGE, ensureTestImages } from '../../test/helpers/images.js';
import { startPrivateDockerd } from '../../test/helpers/private-dockerd.js';
import { allWith, dockerApi, runningWith } from './context.js';
import { RingProcess } from './ring-process.js';
import { DockerCli, sleep, until } from './util.js';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const NETNS = 'ringrss';
const MiB = (b: number | undefined) => b === undefined ? '?' : `${(b / 1048576).toFixed(1)} MiB`;

if (process.argv.includes('--stub')) await stubRun();
else if (!process.env.RING_RSS_INNER) await outer();
else await inner();

function serverOptions(tag: string, tuned = true) {
  const nodeArgs = ['--expose-gc', ...(tuned ? arg('node-args', '').split(' ').filter(Boolean) : [])];
  const env: Record<string, string> = Object.fromEntries((tuned ? arg('env', '') : '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const report = `/tmp/ring-rss-report-${process.pid}-${tag}.json`;
  env.RING_BENCH_MEMORY_REPORT = report;
  const snap = arg('snapshot', '');
  if (snap) env.RING_BENCH_HEAPSNAPSHOT = join(snap, `ring-${tag}.heapsnapshot`);
  return { nodeArgs, env, report };
}

async function measure(ring: RingProcess, report: string, label: string): Promise<void> {
  const rss = ring.rssBytes();
  rmSync(report, { force: true });
  process.kill(ring.pid, 'SIGUSR2');
  await until(() => existsSync(report) && readFileSync(report, 'utf8').endsWith('}'), 'memory report', 120_000, 200);
  const r = JSON.parse(readFileSync(report, 'utf8'));
  rmSync(report, { force: true });
  const line = (name: string, s: any) => {
    const m = s.memoryUsage;
    const sp = Object.entries(s.spaces as Record<string, { size: number; used: number }>).filter(([, v]) => v.size > 1 << 20)
      .map(([k, v]) => `${k.replace('_space', '')} ${MiB(v.used)}/${MiB(v.size)}`).join(', ');
    console.log(`  ${name}: rss ${MiB(m.rss)} (anon ${MiB(s.smaps.Anonymous)}, file ${MiB(s.smaps.Rss - s.smaps.Anonymous)}); heapUsed ${MiB(m.heapUsed)} / heapTotal ${MiB(m.heapTotal)}; `
      + `external ${MiB(m.external)} (arrayBuffers ${MiB(m.arrayBuffers)}); malloced ${MiB(s.heap.malloced_memory)} (peak ${MiB(s.heap.peak_malloced_memory)}); `
      + `anon outside the V8 heap ≈ ${MiB(s.smaps.Anonymous - m.heapTotal)}`);
    console.log(`    spaces (used/size): ${sp}`);
  };
  console.log(`${label}: VmRSS ${MiB(rss)}`);
  console.log(`  largest mappings by RSS: ${mappings(ring.pid).slice(0, 12).map((m) => `${m.name} ${MiB(m.rss)}/${MiB(m.size)}`).join('; ')}`);
  line('at sampling', r.before);
  if (r.after) line('after full GC', r.after);
}

/** The process's mappings from /proc/<pid>/smaps, largest RSS first (anonymous ones named by size). */
function mappings(pid: number): { name: string; size: number; rss: number }[] {
  const out: { name: string; size: number; rss: number }[] = [];
  let cur: { name: string; size: number; rss: number } | undefined;
  for (const l of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(l);
    if (head) {
      cur = { name: head[3] || 'anon', size: parseInt(head[2]!, 16) - parseInt(head[1]!, 16), rss: 0 };
      out.push(cur);
      continue;
    }
    const m = /^Rss:\s+(\d+) kB/.exec(l);
    if (m && cur) cur.rss = Number(m[1]) * 1024;
  }
  return out.sort((a, b) => b.rss - a.rss);
}

async function stubRun(): Promise<void> {
  const stub = await startDockerStub();
  const o = serverOptions('stub');
  const ring = await RingProcess.start({ intervalS: 2, dockerHost: stub.host, logLevel: 'warn', nodeArgs: o.nodeArgs, env: o.env, bareNode: process.argv.includes('--base') });
  try {
    await sleep(Number(arg('idle', '15')) * 1000);
    await measure(ring, o.report, 'idle server, no deployments (Docker stub)');
  } finally {
    await ring.stop();
    await stub.close();
  }
}

async function outer(): Promise<void> {
  const d = await startPrivateDockerd({
    pool: '10.215.0.0/16', poolSize: 22, bip: '10.215.255.1/24', dir: '/tmp/ring-rss-dockerd', netns: NETNS, createNetns: true, timeoutMs: 60_000,
  });
  if ('skip' in d) throw new Error(`no private dockerd: ${d.skip}`);
  let code = 1;
  try {
    await ensureTestImages(dockerApi(d.host), d.host);
    const child = spawn('nsenter', [`--net=/run/netns/${NETNS}`, process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
      { env: { ...process.env, RING_RSS_INNER: '1', RING_RSS_DOCKER_HOST: d.host }, stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    code = await new Promise<number>((r) => child.once('exit', (c, s) => r(c ?? (s ? 1 : 0))));
  } finally {
    await d.destroy();
  }
  process.exit(code);
}

async function inner(): Promise<void> {
  const host = process.env.RING_RSS_DOCKER_HOST!;
  const docker = dockerApi(host);
  const cli = new DockerCli(host);
  // plain:N or http:N, and :base to run that one on bare node (neither bin/ring's settings nor --node-args/--env).
  const runs = arg('runs', 'plain:100').split(',').map((r) => ({ http: r.startsWith('http'), count: Number(r.split(':')[1]), tuned: r.split(':')[2] !== 'base' }));
  for (const [i, { http, count, tuned }] of runs.entries()) {
    const tag = `${http ? 'http' : 'plain'}${count}-${tuned ? 'tuned' : 'base'}-${i}`;
    const ns = `rss-${http ? 'h' : 'p'}${count}-${i}`;
    const o = serverOptions(tag, tuned);
    const ring = await RingProcess.start({ intervalS: 2, dockerHost: host, logLevel: 'warn', nodeArgs: o.nodeArgs, env: o.env, bareNode: !tuned });
    const t0 = performance.now();
    try {
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < count) {
          const n = next++;
          const r = await ring.request('POST', '/deployments', {
            name: `w${n}`, namespace: ns, runtime: 'docker', kind: 'worker', image: http ? HTTPD_IMAGE : BUSYBOX_IMAGE, replicas: 1,
            config: { image_pull_policy: 'IfNotPresent' },
            ...(http ? { health_checks: [{ type: 'http', url: 'http://localhost:80/health', interval: '1s', timeout: '1s', threshold: 3, on_failure: 'restart' }] } : {}),
          });
          if (r.status !== 201) throw new Error(`POST /deployments: ${r.status} ${r.text.slice(0, 300)}`);
        }
      }));
      await until(async () => {
        if ((await runningWith(docker, [`ring.namespace=${ns}`])).length < count) return false;
        const r = await ring.request('GET', `/deployments?namespace=${ns}&status=running`);
        return Array.isArray(r.json) && r.json.length === count;
      }, `${count} running`, 20 * 60_000, 500);
      console.log(`[rss] ${tag}: ${count} running after ${((performance.now() - t0) / 1000).toFixed(0)} s; idling 14 s`);
      await sleep(4000);
      const samples: number[] = [];
      const cpu: number[] = [];
      for (let t = 0; t < 10; t++) { const c0 = ring.cpuMs(); await sleep(2000); cpu.push(ring.cpuMs() - c0); samples.push(ring.rssBytes()); }
      const med = [...cpu].sort((a, b) => a - b)[cpu.length >> 1]!;
      console.log(`[rss] ${tag}: idle VmRSS samples ${samples.map(MiB).join(', ')}; server CPU per 2 s tick median ${med.toFixed(1)} ms (${cpu.map((c) => c.toFixed(0)).join(' ')})`);
      await measure(ring, o.report, `${tag}: ${count} workers${http ? ' + 1 http check each at 1 s' : ''}${tuned ? ` (${o.nodeArgs.slice(1).join(' ')} ${arg('env', '')})` : ' (no flags)'}`);
    } finally {
      await ring.stop();
      cli.removeAll(await allWith(docker, [`ring.namespace=${ns}`]));
      try { cli.sh(['network', 'rm', `ring_${ns}`]); } catch { /* not created */ }
    }
  }
}
