// The ring server as the benchmark runs it: its own process (so its CPU time and RSS are its own),
// started through the same startServer() as `ring server start`, on a free port of 127.0.0.1.
// Configuration comes from the environment (RING_*, DOCKER_HOST); logs go to RING_BENCH_LOG, written
// as `ring server start` writes stdout (synchronous writes, buffered per event-loop turn).
// Prints `RING_URL <url>` once listening; stops cleanly on SIGTERM.
import { readFileSync, writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer } from '../../src/server/start.js';

const env = process.env;
const config = loadConfig({ env });
config.current = { ...config.current, host: '127.0.0.1', port: Number(env.RING_BENCH_PORT ?? 0) };
const sink = pino.destination({ dest: env.RING_BENCH_LOG ?? '/dev/null', sync: true, append: true });
const server = await startServer({ config, env, log: createLogger(config.logLevel, sink, undefined, { buffered: true }) });
process.stdout.write(`RING_URL ${server.url}\n`);

let stopping = false;
const beforeStop: (() => Promise<void>)[] = [];
const stop = async () => {
  if (stopping) return;
  stopping = true;
  for (const f of beforeStop) await f();
  await server.stop();
  process.exit(0); // the exit hook writes what the logger still buffers
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

// RING_BENCH_MEMORY_REPORT=<file>: on SIGUSR2 the server writes its memory breakdown there as JSON
// (process.memoryUsage(), V8 heap spaces, /proc smaps_rollup; before and after a full GC when run
// with --expose-gc) and, with RING_BENCH_HEAPSNAPSHOT=<file>, a heap snapshot. Profiling
// (bench/support/profile-rss.ts), not measuring: the bench never sets it.
const report = env.RING_BENCH_MEMORY_REPORT;
if (report) {
  const sample = () => ({
    memoryUsage: process.memoryUsage(),
    heap: getHeapStatistics(),
    spaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size, available: s.space_available_size }])),
    smaps: Object.fromEntries(readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n').map((l) => /^(\w+):\s+(\d+) kB/.exec(l)).filter((m) => m).map((m) => [m![1], Number(m![2]) * 1024])),
  });
  process.on('SIGUSR2', () => {
    const before = sample();
    const gc = (globalThis as { gc?: () => void }).gc;
    let after: ReturnType<typeof sample> | undefined;
    if (gc) { gc(); after = sample(); }
    if (env.RING_BENCH_HEAPSNAPSHOT) writeHeapSnapshot(env.RING_BENCH_HEAPSNAPSHOT);
    writeFileSync(report, JSON.stringify({ before, after }));
  });
}

// RING_BENCH_ALLOC_PROFILE=<file>: V8's sampling heap profiler runs from the start, keeping the samples
// of objects the GC has already collected (garbage is what a scavenge-heavy server pays for); the
// profile is written there at SIGTERM (open it as a .heapprofile in Chrome DevTools). Profiling only.
const allocProfile = env.RING_BENCH_ALLOC_PROFILE;
if (allocProfile) {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  // RING_BENCH_ALLOC_PROFILE_ON_SIGNAL=1: start sampling at SIGUSR2 instead (e.g. an idle window
  // only: bench/support/profile-tick.ts sends it once converged).
  const start = () => session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as object);
  if (env.RING_BENCH_ALLOC_PROFILE_ON_SIGNAL === '1') process.once('SIGUSR2', start);
  else start();
  beforeStop.push(() => new Promise((resolve) => {
    session.post('HeapProfiler.stopSampling', (err, res) => {
      if (!err) writeFileSync(allocProfile, JSON.stringify((res as { profile: unknown }).profile));
      resolve();
    });
  }));
}

// RING_BENCH_GC_REPORT=<file>: every GC pause by kind (count, total ms), written there at SIGTERM. Profiling only.
const gcReport = env.RING_BENCH_GC_REPORT;
if (gcReport) {
  const { PerformanceObserver, constants } = await import('node:perf_hooks');
  const names: Record<number, string> = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks' };
  const totals: Record<string, { count: number; ms: number }> = {};
  const timeline: [number, string, number][] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = names[((e as unknown as { detail: { kind: number } }).detail).kind] ?? 'other';
      const t = (totals[kind] ??= { count: 0, ms: 0 });
      t.count++;
      t.ms += e.duration;
      timeline.push([Math.round(e.startTime), kind, Number(e.duration.toFixed(2))]);
    }
  }).observe({ entryTypes: ['gc'] });
  // timeOrigin: the wall clock of the timeline's 0, so a reader can cut out a window it timed itself (profile-tick.ts).
  beforeStop.push(async () => writeFileSync(gcReport, JSON.stringify({ totals, timeline, timeOrigin: performance.timeOrigin })));
}
