// Scenarios 4 and 6: N one-replica workers from one apply (N POSTs, 8 in flight), then the idle
// cost of keeping them. Docker API calls are counted by a proxy on the Docker socket
// (bench/support/docker-proxy.ts); CPU time and RSS are the server process's own (/proc). The
// floor is sequential `docker run -d` of the same count. Scenario 6 is the same with one http
// check per instance at 1 s: its extra CPU per probe per second over the plain run of that count.
import { BUSYBOX_IMAGE, HTTPD_IMAGE } from '../../test/helpers/images.js';
import { DockerCountingProxy } from '../support/docker-proxy.js';
import { RingProcess } from '../support/ring-process.js';
import { row } from '../support/report.js';
import { allWith, runningWith, type BenchContext } from '../support/context.js';
import { now, sleep, summarize, until, type Summary } from '../support/util.js';

const TICK_S = 2;
const IN_FLIGHT = 8;

interface ScaleRun {
  count: number;
  http: boolean;
  upMs: number;
  runningMs: number;
  listPerTick: Summary;
  /** Lists over the whole idle window ÷ its ticks: a pass delayed across a window edge moves a list to the next window, not away. */
  listsPerTickOverall: number;
  callsPerTick: Summary;
  callsByRoute: Record<string, number>;
  cpuMsPerTick: Summary;
  rssBytes: number;
  dbBytes: number;
}

/**
 * `boundMs`: how long the convergence may take before the step fails — a multiple of the floor
 * for this count (the target is ≤ 1.5× of it), never under 6 minutes: on a loaded host Docker alone
 * takes minutes for 300 containers, and a fixed bound failed runs that were converging.
 */
async function ringScale(ctx: BenchContext, count: number, http: boolean, idleTicks: number, boundMs: number): Promise<ScaleRun> {
  const proxy = new DockerCountingProxy(`/tmp/${ctx.prefix}-docker-${count}.sock`, ctx.host.replace(/^unix:\/\//, ''));
  await proxy.start();
  const ring = await RingProcess.start({ intervalS: TICK_S, dockerHost: proxy.dockerHost, logLevel: process.env.RING_BENCH_SCALE_LOG_LEVEL ?? 'warn' });
  const ns = `${ctx.prefix}-s${count}${http ? 'h' : ''}`;
  const docker = ctx.docker;
  try {
    const body = (i: number) => ({
      name: `w${i}`, namespace: ns, runtime: 'docker', kind: 'worker', image: http ? HTTPD_IMAGE : BUSYBOX_IMAGE, replicas: 1,
      config: { image_pull_policy: 'IfNotPresent' },
      ...(http ? { health_checks: [{ type: 'http', url: 'http://localhost:80/health', interval: '1s', timeout: '1s', threshold: 3, on_failure: 'restart' }] } : {}),
    });
    const t0 = now();
    let next = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        const r = await ring.request('POST', '/deployments', body(next++));
        if (r.status !== 201) throw new Error(`POST /deployments: ${r.status} ${r.text.slice(0, 300)}`);
      }
    }));
    let upMs = 0;
    let lastProgress = now();
    await until(async () => {
      if (now() - lastProgress > 10_000) {
        // Progress (and the evidence when a convergence stalls): containers up, deployments by status.
        lastProgress = now();
        const all = await ring.request('GET', `/deployments?namespace=${ns}`);
        const by: Record<string, number> = {};
        for (const d of Array.isArray(all.json) ? all.json as { status: string }[] : []) by[d.status] = (by[d.status] ?? 0) + 1;
        const up = (await runningWith(docker, [`ring.namespace=${ns}`])).length;
        ctx.log(`scale: ${count}${http ? '+http' : ''} at ${((now() - t0) / 1000).toFixed(0)} s: ${up} containers up; ${Object.entries(by).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      }
      if (!upMs && (await runningWith(docker, [`ring.namespace=${ns}`])).length >= count) upMs = now() - t0;
      if (!upMs) return false;
      const r = await ring.request('GET', `/deployments?namespace=${ns}&status=running`);
      return Array.isArray(r.json) && r.json.length === count;
    }, `${count} deployments running`, boundMs, 100);
    const runningMs = now() - t0;

    // Idle: let the last creates settle (and probes start), then sample tick by tick.
    await sleep(2 * TICK_S * 1000);
    const lists: number[] = [];
    const calls: number[] = [];
    const cpu: number[] = [];
    const byRoute: Record<string, number> = {};
    const idleStart = proxy.snapshot();
    for (let t = 0; t < idleTicks; t++) {
      const before = proxy.snapshot();
      const c0 = ring.cpuMs();
      await sleep(TICK_S * 1000);
      cpu.push(ring.cpuMs() - c0);
      const d = proxy.since(before);
      lists.push(d['GET /containers/json'] ?? 0);
      calls.push(Object.values(d).reduce((a, b) => a + b, 0));
      for (const [k, v] of Object.entries(d)) byRoute[k] = (byRoute[k] ?? 0) + v;
    }
    for (const k of Object.keys(byRoute)) byRoute[k] = byRoute[k]! / idleTicks;
    const listsPerTickOverall = (proxy.since(idleStart)['GET /containers/json'] ?? 0) / idleTicks;
    return {
      count, http, upMs, runningMs, listPerTick: summarize(lists), listsPerTickOverall, callsPerTick: summarize(calls), callsByRoute: byRoute,
      cpuMsPerTick: summarize(cpu), rssBytes: ring.rssBytes(), dbBytes: ring.dbBytes(),
    };
  } finally {
    await ring.stop();
    await proxy.stop();
    ctx.cli.removeAll(await allWith(docker, [`ring.namespace=${ns}`]));
    try { ctx.cli.sh(['network', 'rm', `ring_${ns}`]); } catch { /* not created */ }
  }
}

/** Sequential `docker run -d` of count containers: the floor. */
async function dockerFloor(ctx: BenchContext, count: number): Promise<number> {
  const cli = ctx.cli;
  const ids: string[] = [];
  // Like ring's containers, on a user-defined bridge network.
  const net = `${ctx.prefix}-floor-${count}`;
  cli.sh(['network', 'create', net]);
  const t0 = now();
  try {
    for (let i = 0; i < count; i++) ids.push(await cli.run(['run', '-d', '--network', net, '--label', `${ctx.prefix}.floor=1`, BUSYBOX_IMAGE]));
    return now() - t0;
  } finally {
    cli.removeAll(ids);
    cli.sh(['network', 'rm', net]);
  }
}

const growth = (xs: number[]) => xs.slice(1).map((x, i) => (x / xs[i]!).toFixed(2) + '×').join(' → ');

export async function scale(ctx: BenchContext): Promise<void> {
  // RING_BENCH_SCALE_COUNTS / RING_BENCH_SCALE_HTTP (comma lists, '' = none): other counts while investigating.
  const envCounts = (v: string | undefined) => v === undefined ? undefined : v.split(',').filter(Boolean).map(Number);
  const counts = envCounts(process.env.RING_BENCH_SCALE_COUNTS) ?? (ctx.quick ? [10, 20] : [10, 100, 300]);
  // 100 with a check each is scenario 4's; 300 × 1 check at 1 s is scenario 6.
  const httpCounts = envCounts(process.env.RING_BENCH_SCALE_HTTP) ?? (ctx.quick ? [20] : [100, 300]);
  // Sequential `docker run` is linear by construction: counts up to 10 are measured as such; above,
  // the floor is the per-run time of one measured sequence of FLOOR_RUNS runs times N (keeps the
  // full suite near 15 minutes: 100 sequential runs alone took minutes on a loaded host).
  const FLOOR_RUNS = ctx.quick ? 10 : 30;
  const idleTicks = ctx.quick ? 2 : 5;
  const S = '4. scale: N one-replica workers from one apply';
  const plain: ScaleRun[] = [];
  const floors: number[] = [];
  const floorNotes: string[] = [];
  let perRunMs: number | undefined;
  let perRunFrom = 0;
  const floorOf = async (n: number): Promise<{ ms: number; note: string }> => {
    if (n <= 10) {
      ctx.log(`scale: floor, ${n} × docker run -d`);
      const ms = await dockerFloor(ctx, n);
      if (n > perRunFrom) { perRunMs = ms / n; perRunFrom = n; }
      return { ms, note: 'floor measured' };
    }
    if (perRunFrom < FLOOR_RUNS) {
      ctx.log(`scale: floor, ${FLOOR_RUNS} × docker run -d (its per-run time × N is the floor of larger counts)`);
      perRunMs = (await dockerFloor(ctx, FLOOR_RUNS)) / FLOOR_RUNS;
      perRunFrom = FLOOR_RUNS;
    }
    return { ms: perRunMs! * n, note: `floor extrapolated: ${n} × the per-run time of ${perRunFrom} sequential runs (${perRunMs!.toFixed(0)} ms)` };
  };
  const boundFor = (floorMs: number) => Math.max(6 * 60_000, 2.5 * floorMs);
  for (const n of counts) {
    const f = await floorOf(n);
    floors.push(f.ms);
    floorNotes.push(f.note);
    ctx.log(`scale: ring, ${n} workers`);
    plain.push(await ringScale(ctx, n, false, idleTicks, boundFor(f.ms)));
  }
  for (const [i, r] of plain.entries()) {
    const n = r.count;
    ctx.rows.push(
      row({ scenario: S, what: `${n}: POST ×${n} → all containers up`, unit: 'ms', ring: r.upMs, anchorName: `sequential docker run -d ×${n}`, anchor: floors[i]!, target: '≤ 1.5×', ratioMax: 1.5,
        note: `one round (a convergence of N is the round); ${floorNotes[i]}` }),
      row({ scenario: S, what: `${n}: POST ×${n} → all status running`, unit: 'ms', ring: r.runningMs, anchorName: `sequential docker run -d ×${n}`, anchor: floors[i]! }),
      // The tick is a setInterval and the sampling windows are not aligned with it, so a pass that
      // starts late can put its list in the next window (0 then 2); the target is judged on the
      // whole idle window's count ÷ its ticks, and every window's count is shown beside it.
      row({ scenario: S, what: `${n}: Docker list calls per idle tick (${TICK_S} s)`, unit: '', ring: r.listPerTick, ratio: null, target: '1', holds: Math.abs(r.listsPerTickOverall - 1) <= 1 / idleTicks + 1e-9,
        note: `whole idle window: ${r.listsPerTickOverall.toFixed(2)} per tick; the windows are not aligned with the tick, so one tick more or less is in the whole window` }),
      row({ scenario: S, what: `${n}: Docker API calls per idle tick, all`, unit: '', ring: r.callsPerTick, ratio: null,
        note: Object.entries(r.callsByRoute).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ') }),
      row({ scenario: S, what: `${n}: server CPU per idle tick`, unit: 'ms', ring: r.cpuMsPerTick, ratio: null,
        ...(n >= 300 ? { target: '≤ 20 ms at 300', holds: r.cpuMsPerTick.median <= 20 } : {}) }),
      row({ scenario: S, what: `${n}: server RSS`, unit: 'B', ring: r.rssBytes, ratio: null, ...(n >= 300 ? { target: '≤ 150 MB at 300', holds: r.rssBytes <= 150e6 } : {}) }),
      row({ scenario: S, what: `${n}: SQLite file size (db + wal)`, unit: 'B', ring: r.dbBytes, ratio: null }),
    );
  }
  const conv = plain.map((r) => r.upMs);
  const countGrowth = growth(plain.map((r) => r.count));
  const linear = plain.every((r, i) => i === 0 || r.upMs / plain[i - 1]!.upMs <= (r.count / plain[i - 1]!.count) * 1.1);
  ctx.rows.push(
    row({ scenario: S, what: `growth ${counts.join(' → ')} (count ${countGrowth}): convergence`, unit: '', ring: null, ratio: null,
      note: `ring ${growth(conv)}; floor ${growth(floors)}`, target: 'at most linear', holds: linear }),
    row({ scenario: S, what: 'growth: CPU per idle tick / RSS / SQLite / API calls per tick', unit: '', ring: null, ratio: null,
      note: `CPU ${growth(plain.map((r) => Math.max(r.cpuMsPerTick.median, 1)))}; RSS ${growth(plain.map((r) => r.rssBytes))}; SQLite ${growth(plain.map((r) => r.dbBytes))}; calls ${growth(plain.map((r) => Math.max(r.callsPerTick.median, 1)))}` }),
  );

  const S6 = '4/6. N workers with one http check each at 1 s (probes)';
  for (const n of httpCounts) {
    ctx.log(`scale: ring, ${n} workers with an http check`);
    const base = plain.find((p) => p.count === n);
    const h = await ringScale(ctx, n, true, idleTicks, boundFor(floors[plain.indexOf(base!)] ?? (perRunMs ?? 1000) * n));
    ctx.rows.push(
      row({ scenario: S6, what: `${n}+http: POST ×${n} → all status running`, unit: 'ms', ring: h.runningMs, ...(base ? { anchorName: `same count without checks`, anchor: base.runningMs } : {}) }),
      row({ scenario: S6, what: `${n}+http: Docker API calls per idle tick`, unit: '', ring: h.callsPerTick, ratio: null,
        note: Object.entries(h.callsByRoute).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ') }),
      row({ scenario: S6, what: `${n}+http: server CPU per idle tick (${TICK_S} s = ${n * TICK_S} probes)`, unit: 'ms', ring: h.cpuMsPerTick,
        ...(base ? { anchorName: 'same count without checks', anchor: base.cpuMsPerTick } : {}) }),
      row({ scenario: S6, what: `${n}+http: server RSS`, unit: 'B', ring: h.rssBytes, ratio: null }),
      row({ scenario: S6, what: `${n}+http: SQLite file size`, unit: 'B', ring: h.dbBytes, ratio: null }),
    );
    if (base) {
      const perProbe = (h.cpuMsPerTick.median - base.cpuMsPerTick.median) / (n * TICK_S);
      ctx.rows.push(row({ scenario: S6, what: `${n}+http: CPU per probe (extra CPU per tick ÷ probes per tick)`, unit: 'ms', ring: perProbe, ratio: null,
        note: 'probe cost per probe per second; ×N×(1/interval) is the CPU share probes take' }));
    }
  }
}
