// Benchmark (not a test): how long a 3-replica rolling update takes in ring, next to the sum of its
// readiness windows (the floor for a rollout that waits out each new instance's window one at a
// time) and next to `docker service update` of a single-node Swarm service with the same image,
// the same healthcheck cadence and the same stop grace. Every figure is measured in this one run.
//
//   ring   apply v2 → old deployment purged and 3/3 containers of the new one serving v2
//   swarm  `docker service update --image v2` (parallelism 1, start-first) until it returns converged
//
// Swarm: initialised with `docker swarm init --advertise-addr 127.0.0.1` when this node is not in a
// swarm (and left again at the end); if that is impossible the baseline is skipped with the reason.
// Run: npm run build && node dist/bench/rolling-update.js [rounds]
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { startTestServer, type TestServer } from '../test/helpers/server.js';
import { HTTPD_IMAGE, HTTPD_V2_IMAGE, ensureTestImages } from '../test/helpers/images.js';
import { parseDuration } from '../src/domain/durations.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const REPLICAS = 3;
const INTERVAL = '1s';
const TIMEOUT = '1s';
const MIN_HEALTHY = '2s';
/** ring stops a container with a 2 s grace (src/runtime/docker/instances.ts); swarm gets the same. */
const STOP_GRACE = '2s';

const sh = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 120_000, stepMs = 50): Promise<void> {
  const start = now();
  while (!(await cond())) {
    if (now() - start > timeoutMs) throw new Error('timed out');
    await sleep(stepMs);
  }
}

function stats(xs: number[]): string {
  if (xs.length === 0) return 'n/a';
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  return `median ${(med / 1000).toFixed(1).padStart(5)} s   min ${(s[0]! / 1000).toFixed(1).padStart(5)} s   max ${(s.at(-1)! / 1000).toFixed(1).padStart(5)} s`;
}

function httpStatus(ip: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: ip, port: 80, path: '/', agent: false, timeout: 500 }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('timeout', () => { req.destroy(); resolve(0); });
    req.on('error', () => resolve(0));
    req.end();
  });
}

function runningIps(label: string): string[] {
  const ids = sh(['ps', '-q', '--filter', `label=${label}`, '--filter', 'status=running']).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  return sh(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', ...ids])
    .split(/\s+/).filter(Boolean);
}

// ---- ring --------------------------------------------------------------------------------------

async function ringRound(s: TestServer, token: string, ns: string, round: number): Promise<{ ms: number; readyMs: number; samples: number; down: number }> {
  const api = (method: string, path: string, body?: unknown) => s.request(method, path, { token, ...(body ? { body } : {}) });
  const manifest = (image: string) => ({
    name: `web${round}`, namespace: ns, runtime: 'docker', kind: 'worker', image, replicas: REPLICAS,
    config: { image_pull_policy: 'IfNotPresent' },
    health_checks: [{ type: 'http', url: 'http://localhost:80/health', interval: INTERVAL, timeout: TIMEOUT, threshold: 3,
      on_failure: 'restart', readiness: true, min_healthy_time: MIN_HEALTHY }],
  });
  const v1 = (await api('POST', '/deployments', manifest(HTTPD_IMAGE))).json.id as string;
  await until(async () => (await api('GET', `/deployments/${v1}`)).json.status === 'running');

  // Availability while it rolls: does any running container of the name answer 200?
  let sampling = true;
  let samples = 0;
  let down = 0;
  const sampler = (async () => {
    while (sampling) {
      const ips = runningIps(`ring.namespace=${ns}`);
      let ok = false;
      for (const ip of ips) if ((await httpStatus(ip)) === 200) { ok = true; break; }
      samples++;
      if (!ok) down++;
      await sleep(250);
    }
  })();

  const t0 = now();
  const v2 = (await api('POST', '/deployments', manifest(HTTPD_V2_IMAGE))).json as { id: string; parent_id?: string };
  if (v2.parent_id !== v1) throw new Error(`expected a rolling update of ${v1}, got ${JSON.stringify(v2)}`);
  let readyMs = 0;
  await until(async () => {
    const child = (await api('GET', `/deployments/${v2.id}`)).json.status === 'running';
    if (child && readyMs === 0) readyMs = now() - t0;
    return child && (await api('GET', `/deployments/${v1}`)).status === 404 && runningIps(`ring_deployment=${v2.id}`).length === REPLICAS;
  });
  const ms = now() - t0;
  sampling = false;
  await sampler;
  await api('DELETE', `/deployments/${v2.id}`);
  await until(() => sh(['ps', '-aq', '--filter', `label=ring_deployment=${v2.id}`]) === '');
  return { ms, readyMs, samples, down };
}

// ---- swarm -------------------------------------------------------------------------------------

/** Joins a single-node swarm if needed: 'ours' (leave at the end), 'existing', or the reason it can't. */
function ensureSwarm(): { state: 'ours' | 'existing' } | { state: 'unavailable'; why: string } {
  const local = sh(['info', '--format', '{{.Swarm.LocalNodeState}}']);
  if (local === 'active') {
    const manager = sh(['info', '--format', '{{.Swarm.ControlAvailable}}']);
    return manager === 'true' ? { state: 'existing' } : { state: 'unavailable', why: 'this node is a swarm worker, not a manager' };
  }
  const r = spawnSync('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { encoding: 'utf8' });
  if (r.status !== 0) return { state: 'unavailable', why: `docker swarm init failed: ${(r.stderr || r.stdout).trim()}` };
  return { state: 'ours' };
}

function swarmRound(round: number): number {
  const name = `ring-bench-${randomBytes(3).toString('hex')}-${round}`;
  const secs = (d: string) => `${(parseDuration(d) ?? 0) / 1000}s`;
  sh(['service', 'create', '--detach=false', '--quiet', '--no-resolve-image', '--name', name, '--replicas', String(REPLICAS),
    '--health-cmd', 'wget -q -O- http://localhost:80/health', '--health-interval', secs(INTERVAL), '--health-timeout', secs(TIMEOUT),
    '--health-retries', '3', '--stop-grace-period', secs(STOP_GRACE),
    '--update-parallelism', '1', '--update-order', 'start-first', '--update-delay', '0s', '--update-monitor', secs(MIN_HEALTHY),
    HTTPD_IMAGE]);
  try {
    const t0 = now();
    sh(['service', 'update', '--detach=false', '--quiet', '--no-resolve-image', '--image', HTTPD_V2_IMAGE, name]);
    const ms = now() - t0;
    const images = sh(['service', 'ps', '--filter', 'desired-state=running', '--format', '{{.Image}}', name]).split('\n').filter(Boolean);
    if (images.length !== REPLICAS || images.some((i) => !i.startsWith(HTTPD_V2_IMAGE))) {
      throw new Error(`swarm did not converge on ${HTTPD_V2_IMAGE}: ${images.join(', ')}`);
    }
    return ms;
  } finally {
    spawnSync('docker', ['service', 'rm', name], { stdio: 'ignore' });
  }
}

// ---- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  await ensureTestImages();
  const window = parseDuration(MIN_HEALTHY)!;
  console.log(`rolling update of ${REPLICAS} replicas, ring-test/httpd v1 → v2, ${ROUNDS} round(s); http readiness check`
    + ` every ${INTERVAL} (timeout ${TIMEOUT}), min_healthy_time ${MIN_HEALTHY}, stop grace ${STOP_GRACE}`);

  const ns = `bench-${randomBytes(3).toString('hex')}`;
  const ring: number[] = [];
  const ringReady: number[] = [];
  let samples = 0;
  let down = 0;
  const s = await startTestServer({ RING_SCHEDULER_INTERVAL: '10' });
  try {
    const token = await s.adminToken();
    for (let i = 0; i < ROUNDS; i++) {
      const r = await ringRound(s, token, ns, i);
      ring.push(r.ms);
      ringReady.push(r.readyMs);
      samples += r.samples;
      down += r.down;
    }
  } finally {
    await s.close();
    for (const c of sh(['ps', '-aq', '--filter', `label=ring.namespace=${ns}`]).split('\n').filter(Boolean)) sh(['rm', '-f', c]);
    spawnSync('docker', ['network', 'rm', `ring_${ns}`], { stdio: 'ignore' });
  }

  const swarm: number[] = [];
  let swarmNote = '';
  const joined = ensureSwarm();
  if (joined.state === 'unavailable') {
    swarmNote = `skipped: ${joined.why}`;
  } else {
    try {
      for (let i = 0; i < ROUNDS; i++) swarm.push(swarmRound(i));
    } catch (err) {
      swarmNote = `failed: ${(err as Error).message.split('\n')[0]}`;
    } finally {
      if (joined.state === 'ours') spawnSync('docker', ['swarm', 'leave', '--force'], { stdio: 'ignore' });
    }
  }

  console.log('');
  console.log(`  ring   rolling update (apply → old purged, ${REPLICAS}/${REPLICAS} new serving)   ${stats(ring)}`);
  console.log(`  ring   of which: apply → new deployment running (gate open, drain starts)      ${stats(ringReady)}`);
  console.log(`  ring   sum of its readiness windows (${REPLICAS} × ${MIN_HEALTHY})                ${(REPLICAS * window / 1000).toFixed(1).padStart(5)} s`);
  console.log(`  ring   availability samples (every 250 ms) with no container answering 200: ${down}/${samples}`);
  console.log(`  swarm  docker service update (parallelism 1, start-first, monitor ${MIN_HEALTHY})  ${swarmNote || stats(swarm)}`);
  console.log(`         (scheduler tick 10 s: ring's rollout is driven by probe results and wakes, not by the tick)`);
}

await main();
