// Benchmark (not a test): how fast ring converges compared with Docker doing the same job by itself.
//   apply→running        POST /deployments until GET says running   vs  `docker run -d` until State.Running
//   crash→replacement    SIGKILL of the container's process until a new one runs  vs  Docker's --restart always
// Every figure is measured in this one run, on the same image, so they compare.
// Run: npm run build && node dist/bench/docker-latency.js [rounds]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startTestServer } from '../test/helpers/server.js';
import { ensureTestImages, BUSYBOX_IMAGE } from '../test/helpers/images.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const sh = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 30_000, stepMs = 10): Promise<void> {
  const start = now();
  while (!(await cond())) {
    if (now() - start > timeoutMs) throw new Error('timed out');
    await sleep(stepMs);
  }
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)];
  return `median ${med.toFixed(0).padStart(5)} ms   min ${s[0].toFixed(0).padStart(5)} ms   max ${s.at(-1)!.toFixed(0).padStart(5)} ms`;
}

const hostPid = (cid: string) => Number(sh(['inspect', '--format', '{{.State.Pid}}', cid]));
const running = (cid: string) => sh(['inspect', '--format', '{{.State.Running}}', cid]) === 'true';

async function dockerRun(prefix: string): Promise<{ start: number[]; restart: number[] }> {
  const start: number[] = [];
  const restart: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = now();
    const cid = sh(['run', '-d', '--name', `${prefix}-run-${i}`, BUSYBOX_IMAGE]);
    await until(() => running(cid));
    start.push(now() - t0);
    sh(['rm', '-f', cid]);

    const rc = sh(['run', '-d', '--restart', 'always', '--name', `${prefix}-always-${i}`, BUSYBOX_IMAGE]);
    await until(() => running(rc));
    const pid = hostPid(rc);
    const t1 = now();
    process.kill(pid, 'SIGKILL');
    await until(() => { const p = hostPid(rc); return p !== 0 && p !== pid && running(rc); });
    restart.push(now() - t1);
    sh(['rm', '-f', rc]);
  }
  return { start, restart };
}

async function ring(ns: string): Promise<{ up: number[]; start: number[]; restart: number[] }> {
  const s = await startTestServer({ RING_SCHEDULER_INTERVAL: '10' });
  const token = await s.adminToken();
  const up: number[] = [];
  const start: number[] = [];
  const restart: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = now();
      const created = await s.request('POST', '/deployments', { token, body: {
        name: `bench-${i}`, namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, replicas: 1,
        config: { image_pull_policy: 'IfNotPresent' } } });
      const id = created.json.id as string;
      await until(() => sh(['ps', '-q', '--filter', `label=ring_deployment=${id}`, '--filter', 'status=running']) !== '');
      up.push(now() - t0);
      await until(async () => (await s.request('GET', `/deployments/${id}`, { token })).json.status === 'running');
      start.push(now() - t0);

      const cid = sh(['ps', '-q', '--filter', `label=ring_deployment=${id}`]);
      const pid = hostPid(cid);
      const t1 = now();
      process.kill(pid, 'SIGKILL');
      await until(() => {
        const ids = sh(['ps', '-q', '--filter', `label=ring_deployment=${id}`, '--filter', 'status=running']).split('\n').filter(Boolean);
        return ids.some((x) => !cid.startsWith(x) && !x.startsWith(cid));
      });
      restart.push(now() - t1);
      await s.request('DELETE', `/deployments/${id}`, { token });
      await until(() => sh(['ps', '-aq', '--filter', `label=ring_deployment=${id}`]) === '');
    }
  } finally {
    await s.close();
  }
  return { up, start, restart };
}

async function main() {
  await ensureTestImages();
  const ns = `bench-${randomBytes(3).toString('hex')}`;
  console.log(`ring benchmark: ${ROUNDS} rounds, image ${BUSYBOX_IMAGE}, scheduler tick 10 s (so the tick cannot be what recovers)`);
  try {
    const d = await dockerRun(ns);
    const r = await ring(ns);
    console.log('\napply → running');
    console.log(`  docker run -d              ${stats(d.start)}`);
    console.log(`  ring (POST → container up) ${stats(r.up)}`);
    console.log(`  ring (POST → status running, after the 750 ms liveness confirmation) ${stats(r.start)}`);
    console.log('\ncrash (SIGKILL) → replacement running');
    console.log(`  docker --restart always    ${stats(d.restart)}`);
    console.log(`  ring                       ${stats(r.restart)}`);
  } finally {
    for (const c of sh(['ps', '-aq', '--filter', `name=${ns}`]).split('\n').filter(Boolean)) sh(['rm', '-f', c]);
    try { sh(['network', 'rm', `ring_${ns}`]); } catch { /* never created */ }
  }
}

await main();
