// Scenario 3: a 3-replica rolling update with an http readiness check, ring next to
// `docker service update` (parallelism 1, start-first, the same healthcheck cadence and stop grace)
// on the bench's private single-node Swarm (ring runs on the same daemon). A client polls the service throughout (bench/support/
// poller.ts) and counts failed requests; for ring it must be 0.
//   ring   apply v2 → old deployment purged and 3/3 containers of the new one serving
//   swarm  `docker service update --image v2` until it returns converged
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { HTTPD_IMAGE, HTTPD_V2_IMAGE } from '../../test/helpers/images.js';
import { parseDuration } from '../../src/domain/durations.js';
import { RingProcess } from '../support/ring-process.js';
import { row } from '../support/report.js';
import { runningWith, allWith, type BenchContext } from '../support/context.js';
import type { PrivateDaemon } from '../support/daemon.js';
import { now, summarize, until } from '../support/util.js';

const REPLICAS = 3;
const INTERVAL = '1s';
const TIMEOUT = '1s';
const MIN_HEALTHY = '2s';
/** ring stops a container with a 2 s grace (src/runtime/docker/instances.ts); Swarm gets the same. */
const STOP_GRACE = '2s';
/**
 * The served process, for both ring and Swarm: httpd under a shell that exits on SIGTERM, as a
 * production server does. The image's own command runs httpd as PID 1, which has no SIGTERM
 * handler and so ignores it: then every stop of an old replica waits out the whole grace, on both
 * sides, and the figure measures the grace instead of the orchestrator.
 */
const COMMAND = ['/bin/sh', '-c', 'trap "exit 0" TERM; /bin/httpd -f -p 80 -h /www & wait'];
const POLLER = fileURLToPath(new URL('../support/poller.js', import.meta.url));

interface PollCounts { requests: number; failed: number; retried: number; bodies: Record<string, number> }

class Poller {
  private out = '';
  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
  }
  static async start(dockerHost: string, label: string, prefix: string[] = []): Promise<Poller> {
    const argv = [...prefix, process.execPath, POLLER, '--docker-host', dockerHost, '--label', label, '--every', '100'];
    const p = new Poller(spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] }));
    await until(() => p.out.includes('READY'), 'poller start', 10_000);
    return p;
  }
  async stop(): Promise<PollCounts> {
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    await exited;
    return JSON.parse(this.out.split('\n').filter((l) => l.startsWith('{')).at(-1)!) as PollCounts;
  }
}

async function ringRounds(ctx: BenchContext, rounds: number) {
  const ring = await RingProcess.start({ intervalS: 10, dockerHost: ctx.host });
  const ns = `${ctx.prefix}-roll`;
  const docker = ctx.docker;
  const total: number[] = [];
  const ready: number[] = [];
  let requests = 0;
  let failed = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const manifest = (image: string) => ({
        name: `web${round}`, namespace: ns, runtime: 'docker', kind: 'worker', image, replicas: REPLICAS, command: COMMAND,
        config: { image_pull_policy: 'IfNotPresent' },
        health_checks: [{ type: 'http', url: 'http://localhost:80/health', interval: INTERVAL, timeout: TIMEOUT, threshold: 3,
          on_failure: 'restart', readiness: true, min_healthy_time: MIN_HEALTHY }],
      });
      const v1r = await ring.request('POST', '/deployments', manifest(HTTPD_IMAGE));
      if (v1r.status !== 201) throw new Error(`POST v1: ${v1r.status} ${v1r.text}`);
      const v1 = v1r.json.id as string;
      await until(async () => (await ring.request('GET', `/deployments/${v1}`)).json.status === 'running', 'ring v1 running', 60_000, 50);
      const poller = await Poller.start(ctx.host, `ring.namespace=${ns}`);
      const t0 = now();
      const v2 = await ring.request('POST', '/deployments', manifest(HTTPD_V2_IMAGE));
      if (v2.json?.parent_id !== v1) throw new Error(`expected a rolling update of ${v1}, got ${v2.status} ${v2.text}`);
      let readyAt = 0;
      await until(async () => {
        const child = (await ring.request('GET', `/deployments/${v2.json.id}`)).json.status === 'running';
        if (child && !readyAt) readyAt = now();
        return child && (await ring.request('GET', `/deployments/${v1}`)).status === 404
          && (await runningWith(docker, [`ring_deployment=${v2.json.id}`])).length === REPLICAS;
      }, 'ring rollout', 120_000, 20);
      total.push(now() - t0);
      ready.push(readyAt - t0);
      const c = await poller.stop();
      requests += c.requests;
      failed += c.failed;
      await ring.request('DELETE', `/deployments/${v2.json.id}`);
      await until(async () => (await allWith(docker, [`ring_deployment=${v2.json.id}`])).length === 0, 'ring delete', 60_000, 50);
    }
  } finally {
    await ring.stop();
    ctx.cli.removeAll(await allWith(docker, [`ring.namespace=${ns}`]));
    try { ctx.cli.sh(['network', 'rm', `ring_${ns}`]); } catch { /* not created */ }
  }
  return { total, ready, requests, failed };
}

async function swarmRounds(d: PrivateDaemon, prefix: string, rounds: number) {
  const secs = (x: string) => `${(parseDuration(x) ?? 0) / 1000}s`;
  const total: number[] = [];
  let requests = 0;
  let failed = 0;
  for (let round = 0; round < rounds; round++) {
    const name = `${prefix}-roll-${round}-${randomBytes(2).toString('hex')}`;
    await d.cli.run(['service', 'create', '--detach=false', '--quiet', '--no-resolve-image', '--name', name, '--replicas', String(REPLICAS),
      '--health-cmd', 'wget -q -O- http://localhost:80/health', '--health-interval', secs(INTERVAL), '--health-timeout', secs(TIMEOUT),
      '--health-retries', '3', '--stop-grace-period', secs(STOP_GRACE),
      '--update-parallelism', '1', '--update-order', 'start-first', '--update-delay', '0s', '--update-monitor', secs(MIN_HEALTHY),
      HTTPD_IMAGE, ...COMMAND]);
    try {
      const poller = await Poller.start(d.host, `com.docker.swarm.service.name=${name}`, d.nsPrefix);
      const t0 = now();
      await d.cli.run(['service', 'update', '--detach=false', '--quiet', '--no-resolve-image', '--image', HTTPD_V2_IMAGE, name]);
      total.push(now() - t0);
      const c = await poller.stop();
      requests += c.requests;
      failed += c.failed;
      const images = d.cli.lines(['service', 'ps', '--filter', 'desired-state=running', '--format', '{{.Image}}', name]);
      if (images.length !== REPLICAS || images.some((i) => !i.startsWith(HTTPD_V2_IMAGE))) {
        throw new Error(`swarm did not converge on ${HTTPD_V2_IMAGE}: ${images.join(', ')}`);
      }
    } finally {
      await d.cli.run(['service', 'rm', name]).catch(() => '');
    }
  }
  return { total, requests, failed };
}

export async function rolling(ctx: BenchContext, swarm: PrivateDaemon | { unavailable: string }): Promise<void> {
  const rounds = ctx.quick ? 1 : 5;
  const windowMs = REPLICAS * (parseDuration(MIN_HEALTHY) ?? 0);
  ctx.log(`rolling: ring, ${rounds} rounds`);
  const r = await ringRounds(ctx, rounds);
  let s: Awaited<ReturnType<typeof swarmRounds>> | null = null;
  let why = 'unavailable' in swarm ? swarm.unavailable : '';
  if (!('unavailable' in swarm)) {
    ctx.log(`rolling: swarm, ${rounds} rounds`);
    try { s = await swarmRounds(swarm, ctx.prefix, rounds); } catch (err) { why = `failed: ${(err as Error).message.split('\n')[0]}`; }
  }
  const S = `3. rolling update, ${REPLICAS} replicas, http readiness (interval ${INTERVAL}, min_healthy_time ${MIN_HEALTHY})`;
  const ringTotal = summarize(r.total);
  ctx.rows.push(
    row({ scenario: S, what: 'ring apply v2 → old purged, 3/3 new serving', unit: 'ms', ring: ringTotal,
      anchorName: `sum of readiness windows + 2 s`, anchor: windowMs + 2000, target: '≤ 1×', ratioMax: 1 }),
    row({ scenario: S, what: 'ring of which: apply → new deployment running (gate open)', unit: 'ms', ring: summarize(r.ready) }),
    s
      ? row({ scenario: S, what: 'ring vs `docker service update` (start-first, same healthcheck)', unit: 'ms', ring: ringTotal,
        anchorName: 'Swarm', anchor: summarize(s.total), target: '< 1× (faster than Swarm)', holds: ringTotal.median < summarize(s.total).median })
      : row({ scenario: S, what: 'ring vs `docker service update`', unit: 'ms', ring: ringTotal, anchorName: 'Swarm', anchor: null, note: `Swarm skipped: ${why}` }),
    row({ scenario: S, what: `failed requests (client polling every 100 ms; ${r.requests} requests to ring)`, unit: '', ring: r.failed,
      ...(s ? { anchorName: `Swarm (${s.requests} requests)`, anchor: s.failed } : {}), ratio: null, target: '0 for ring', holds: r.failed === 0 }),
  );
}
