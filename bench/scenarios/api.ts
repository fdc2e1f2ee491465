// Scenario 5: the API under load with autocannon, ring in its own process with N deployments
// stored (replicas 0: rows without containers, so 1000 fit on this machine), next to the ceiling —
// a hapi route returning the same bytes as a constant in the same process setup
// (bench/support/ceiling-main.ts). Also: /healthz latency while GET /deployments is loaded (is the
// event loop free?), GET /metrics size and latency, and POST /deployments throughput.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BUSYBOX_IMAGE } from '../../test/helpers/images.js';
import { RingProcess } from '../support/ring-process.js';
import { row } from '../support/report.js';
import { allWith, type BenchContext } from '../support/context.js';
import { cpuMsOf, summarize, until, type Summary } from '../support/util.js';

const CEILING = fileURLToPath(new URL('../support/ceiling-main.js', import.meta.url));
const CONNECTIONS = 8;

interface Load { rps: Summary; p50: Summary; p99: Summary; errors: number; bytes: number }

async function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return await autocannon({ connections: CONNECTIONS, ...opts });
}

interface Target { url: string; headers: Record<string, string> }

/**
 * `rounds` autocannon runs of `seconds` against each target, interleaved (a, b, a, b, …) so a
 * change in the machine's load hits ring and its ceiling alike.
 */
async function load(targets: Target[], rounds: number, seconds: number): Promise<Load[]> {
  const acc = targets.map(() => ({ rps: [] as number[], p50: [] as number[], p99: [] as number[], errors: 0, bytes: 0 }));
  for (let i = 0; i < rounds; i++) {
    for (const [k, t] of targets.entries()) {
      const r = await cannon({ url: t.url, headers: t.headers, duration: seconds });
      const a = acc[k]!;
      a.rps.push(r.requests.average);
      // No completed request in the round: its latency is unknown, not 0.
      a.p50.push(r.requests.total > 0 ? r.latency.p50 : NaN);
      a.p99.push(r.requests.total > 0 ? r.latency.p99 : NaN);
      a.errors += r.errors + r.non2xx + r.timeouts;
      a.bytes = r.throughput.total / Math.max(1, r.requests.total);
    }
  }
  return acc.map((a) => ({ rps: summarize(a.rps), p50: summarize(a.p50), p99: summarize(a.p99), errors: a.errors, bytes: a.bytes }));
}

function deploymentBody(ns: string, i: number) {
  return {
    name: `api-${i}`, namespace: ns, runtime: 'docker', kind: 'worker', image: BUSYBOX_IMAGE, replicas: 0,
    command: ['sleep', '3600'],
    config: { image_pull_policy: 'IfNotPresent' },
    labels: { app: `api-${i}`, team: 'bench', tier: 'backend' },
    environment: { LOG_LEVEL: 'info', REGION: 'local', FEATURE_FLAGS: 'a,b,c', INDEX: String(i) },
    health_checks: [{ type: 'http', url: 'http://localhost:80/health', interval: '10s', timeout: '1s', threshold: 3, on_failure: 'restart' }],
  };
}

async function store(ring: RingProcess, ns: string, from: number, to: number): Promise<void> {
  let next = from;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < to) {
      const r = await ring.request('POST', '/deployments', deploymentBody(ns, next++));
      if (r.status !== 201) throw new Error(`POST /deployments: ${r.status} ${r.text.slice(0, 300)}`);
    }
  }));
}

async function startCeiling(bodyFile: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [CEILING], { env: { ...process.env, RING_CEILING_BODY: bodyFile }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => /CEILING_URL \S+/.test(out), 'ceiling server', 20_000);
  const url = /CEILING_URL (\S+)/.exec(out)![1]!;
  return { url, pid: child.pid!, stop: async () => { const e = new Promise((r) => child.once('exit', r)); child.kill('SIGTERM'); await e; } };
}

export async function api(ctx: BenchContext): Promise<void> {
  const rounds = ctx.quick ? 2 : 5;
  const seconds = ctx.quick ? 1 : 2;
  const S = `5. API (autocannon, ${CONNECTIONS} connections, ${rounds} rounds × ${seconds} s)`;
  const ns = `${ctx.prefix}-api`;
  const ring = await RingProcess.start({ intervalS: 10, dockerHost: ctx.host });
  const auth = { authorization: `Bearer ${ring.token}` };
  try {
    for (const n of [100, 1000]) {
      ctx.log(`api: storing ${n} deployments`);
      const t0 = performance.now();
      await store(ring, ns, n === 100 ? 0 : 100, n);
      const postRate = ((n === 100 ? 100 : 900) / (performance.now() - t0)) * 1000;
      // Let the reconciler settle every new row before measuring reads.
      await until(async () => {
        const r = await ring.request('GET', `/deployments?status=creating`);
        return Array.isArray(r.json) && r.json.length === 0;
      }, 'stored deployments settled', 120_000, 500);
      const sample = await ring.request('GET', '/deployments');
      if (!Array.isArray(sample.json) || sample.json.length !== n) throw new Error(`GET /deployments returned ${sample.json?.length} rows, expected ${n}`);
      const bodyFile = join(ring.dir, `body-${n}.json`);
      writeFileSync(bodyFile, sample.text);
      const ceiling = await startCeiling(bodyFile);
      try {
        ctx.log(`api: load at ${n}`);
        const [ceil, list, tiny] = await load([
          { url: `${ceiling.url}/body`, headers: {} }, { url: `${ring.url}/deployments`, headers: auth },
          ...(n === 100 ? [{ url: `${ceiling.url}/tiny`, headers: {} }] : []),
        ], rounds, seconds) as [Load, Load, Load | undefined];
        const rowsAt = `${n} stored`;
        ctx.rows.push(
          row({ scenario: S, what: `GET /deployments, ${rowsAt}: requests/s (${(sample.text.length / 1024).toFixed(0)} KiB a response)`, unit: 'req/s', ring: list.rps,
            anchorName: 'hapi constant of the same bytes', anchor: ceil.rps,
            ...(n === 100 ? { target: '≥ 0.5× of the ceiling', ratioMin: 0.5 } : {}),
            ...(list.errors ? { note: `${list.errors} errors` } : {}) }),
          row({ scenario: S, what: `GET /deployments, ${rowsAt}: p50`, unit: 'ms', ring: list.p50, anchorName: 'ceiling p50', anchor: ceil.p50 }),
          row({ scenario: S, what: `GET /deployments, ${rowsAt}: p99`, unit: 'ms', ring: list.p99, anchorName: 'ceiling p99', anchor: ceil.p99,
            ...(n === 1000 ? { target: '≤ 50 ms', holds: list.p99.median <= 50 } : {}) }),
        );
        // Server CPU per request (what a request costs, whatever else the machine runs meanwhile).
        const perRequest = async (pid: number, t: Target) => {
          const c0 = cpuMsOf(pid);
          const r = await cannon({ url: t.url, headers: t.headers, duration: seconds });
          return (cpuMsOf(pid) - c0) / Math.max(1, r.requests.total);
        };
        const ceilCpu = await perRequest(ceiling.pid, { url: `${ceiling.url}/body`, headers: {} });
        const ringCpu = await perRequest(ring.pid, { url: `${ring.url}/deployments`, headers: auth });
        ctx.rows.push(row({ scenario: S, what: `GET /deployments, ${rowsAt}: server CPU per request`, unit: 'ms', ring: ringCpu,
          anchorName: 'ceiling, same bytes', anchor: ceilCpu, note: 'one extra run each; the part above the ceiling is ring\'s own (auth, SQLite version check, logging)' }));
        if (tiny) ctx.rows.push(row({ scenario: S, what: 'hapi constant `{status:"ok"}` (context: the framework alone)', unit: 'req/s', ring: undefined, anchorName: 'tiny constant', anchor: tiny.rps }));
        ctx.rows.push(row({ scenario: S, what: `POST /deployments while storing ${n === 100 ? 100 : 900} (8 in flight)`, unit: 'req/s', ring: postRate, ratio: null }));

        // Is the event loop free while lists are served? /healthz from one more connection meanwhile.
        ctx.log(`api: /healthz under list load at ${n}`);
        const [, health] = await Promise.all([
          cannon({ url: `${ring.url}/deployments`, headers: auth, duration: seconds * 2 }),
          cannon({ url: `${ring.url}/healthz`, connections: 1, duration: seconds * 2 }),
        ]);
        const idleHealth = await cannon({ url: `${ring.url}/healthz`, connections: 1, duration: seconds });
        ctx.rows.push(row({ scenario: S, what: `/healthz p99 while GET /deployments is loaded (${rowsAt})`, unit: 'ms', ring: health.latency.p99,
          anchorName: '/healthz p99 idle', anchor: idleHealth.latency.p99 }));

        const metrics = await ring.request('GET', '/metrics');
        const [m] = await load([{ url: `${ring.url}/metrics`, headers: {} }], rounds, seconds) as [Load];
        ctx.rows.push(
          row({ scenario: S, what: `GET /metrics, ${rowsAt}: requests/s (${(metrics.text.length / 1024).toFixed(0)} KiB)`, unit: 'req/s', ring: m.rps, ratio: null }),
          row({ scenario: S, what: `GET /metrics, ${rowsAt}: p99`, unit: 'ms', ring: m.p99, ratio: null }),
        );
      } finally {
        await ceiling.stop();
      }
    }
  } finally {
    await ring.stop();
    ctx.cli.removeAll(await allWith(ctx.docker, [`ring.namespace=${ns}`]));
  }
}
