// `node dist/bench/support/profile-tick.js [--count=300] [--interval=2] [--windows=10] [--prof=<dir>]`:
// scenario 4's idle tick without Docker — a ring server on the stateful Docker stub
// (test/helpers/docker-stateful-stub.ts), N one-replica busybox workers POSTed (8 in flight) and
// converged to N running "containers", then the server's CPU over `windows` windows of one tick each
// (RING_SCHEDULER_INTERVAL=interval, as scale.ts measures it: CPU of the window ÷ 1 tick). Prints
// median/min/max and the Docker calls per window. With --prof the ring server writes a V8 CPU
// profile there (node --cpu-prof; the profile covers the whole run, convergence included, unless
// --prof-idle-only is given, which starts the window with a fresh server on the converged stub).
// RING_BENCH_BARE_NODE=1 runs the server without bin/ring's node settings. Profiling aid, not part of the suite.
import { readFileSync } from 'node:fs';
import { startStatefulDockerStub } from '../../test/helpers/docker-stateful-stub.js';
import { BUSYBOX_IMAGE } from '../../test/helpers/images.js';
import { RingProcess } from './ring-process.js';
import { sleep, until } from './util.js';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const count = Number(arg('count', '300'));
const intervalS = Number(arg('interval', '2'));
const windows = Number(arg('windows', '10'));
const prof = arg('prof', '');
const ns = 'tick';
let idleFrom = 0;
let idleTo = 0;

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

// Containers that look 1–6 minutes old, as after the bench's 300-container convergence: a few
// of their "Up N minutes" move each tick, as on a real host.
const stub = await startStatefulDockerStub({ pretendUptimeMs: Number(arg('pretend-uptime-s', '60')) * 1000 });
const ring = await RingProcess.start({ intervalS, dockerHost: stub.host, logLevel: 'warn', ...(prof ? { cpuProfDir: prof } : {}) });
try {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < count) {
      const i = next++;
      const r = await ring.request('POST', '/deployments', {
        name: `w${i}`, namespace: ns, runtime: 'docker', kind: 'worker', image: BUSYBOX_IMAGE, replicas: 1,
        config: { image_pull_policy: 'IfNotPresent' },
      });
      if (r.status !== 201) throw new Error(`POST /deployments: ${r.status} ${r.text.slice(0, 300)}`);
    }
  }));
  await until(async () => {
    const r = await ring.request('GET', `/deployments?namespace=${ns}&status=running`);
    return Array.isArray(r.json) && r.json.length === count;
  }, `${count} deployments running`, 300_000, 200);
  console.log(`converged ${count} in ${((performance.now() - t0) / 1000).toFixed(1)} s; stub containers: ${JSON.stringify(stub.counts())}`);
  await sleep(2 * intervalS * 1000);
  // The allocation profile (RING_BENCH_ALLOC_PROFILE with RING_BENCH_ALLOC_PROFILE_ON_SIGNAL=1) covers the idle windows only.
  if (process.env.RING_BENCH_ALLOC_PROFILE_ON_SIGNAL === '1') ring.child.kill('SIGUSR2');
  const cpu: number[] = [];
  const calls: number[] = [];
  idleFrom = Date.now();
  for (let w = 0; w < windows; w++) {
    const r0 = stub.requests.length;
    const c0 = ring.cpuMs();
    await sleep(intervalS * 1000);
    cpu.push(ring.cpuMs() - c0);
    calls.push(stub.requests.length - r0);
  }
  idleTo = Date.now();
  const rss = ring.rssBytes() / 1024 / 1024;
  console.log(`idle CPU per tick (${intervalS} s window, n=${windows}): median ${median(cpu).toFixed(1)} ms, min ${Math.min(...cpu).toFixed(1)}, max ${Math.max(...cpu).toFixed(1)}; all: ${cpu.map((c) => c.toFixed(1)).join(' ')}`);
  console.log(`Docker calls per window: ${calls.join(' ')}; RSS ${rss.toFixed(1)} MiB; bare node: ${process.env.RING_BENCH_BARE_NODE === '1'}`);
} finally {
  await ring.stop();
  await stub.close();
}
// RING_BENCH_GC_REPORT (ring-main.ts): the GC pauses of the idle windows only, per tick.
const gcFile = process.env.RING_BENCH_GC_REPORT;
if (gcFile && idleTo > idleFrom) {
  const r = JSON.parse(readFileSync(gcFile, 'utf8')) as { timeline: [number, string, number][]; timeOrigin?: number };
  const kinds: Record<string, { count: number; ms: number }> = {};
  for (const [at, kind, ms] of r.timeline) {
    const wall = (r.timeOrigin ?? NaN) + at;
    if (!(wall >= idleFrom && wall < idleTo)) continue;
    const k = (kinds[kind] ??= { count: 0, ms: 0 });
    k.count++;
    k.ms += ms;
  }
  const ticks = (idleTo - idleFrom) / (intervalS * 1000);
  console.log(`GC per tick over the idle windows (${ticks.toFixed(1)} ticks): ${Object.entries(kinds).map(([k, v]) => `${k} ${(v.count / ticks).toFixed(2)} (${(v.ms / ticks).toFixed(2)} ms)`).join(', ') || 'none'}`);
}
