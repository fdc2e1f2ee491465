// `node dist/bench/support/profile-api.js [--rows=100] [--seconds=5] [--prof=<dir>]`: the hot path of
// scenario 5 without Docker — a ring server on the Docker stub (test/helpers/docker-stub.ts; rows
// have replicas 0, so nothing is created), N deployments stored, then autocannon on GET
// /deployments and on the ceiling (the same bytes from a hapi constant). Prints requests/s and the
// server CPU per request of each, and POST /deployments throughput (8 in flight). With --prof the
// ring server writes a V8 CPU profile there (node --cpu-prof). Profiling aid, not part of the suite.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startDockerStub } from '../../test/helpers/docker-stub.js';
import { BUSYBOX_IMAGE } from '../../test/helpers/images.js';
import { RingProcess } from './ring-process.js';
import { cpuMsOf, until } from './util.js';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const rows = Number(arg('rows', '100'));
const seconds = Number(arg('seconds', '5'));
const prof = arg('prof', '');
const CEILING = fileURLToPath(new URL('./ceiling-main.js', import.meta.url));

const stub = await startDockerStub();
const ring = await RingProcess.start({ intervalS: 10, dockerHost: stub.host, ...(prof ? { cpuProfDir: prof } : {}) });
const auth = { authorization: `Bearer ${ring.token}` };
let ceilingChild: ReturnType<typeof spawn> | undefined;
try {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < rows) {
      const i = next++;
      const r = await ring.request('POST', '/deployments', {
        name: `api-${i}`, namespace: 'prof', runtime: 'docker', kind: 'worker', image: BUSYBOX_IMAGE, replicas: 0,
        command: ['sleep', '3600'], config: { image_pull_policy: 'IfNotPresent' },
        labels: { app: `api-${i}`, team: 'bench', tier: 'backend' },
        environment: { LOG_LEVEL: 'info', REGION: 'local', FEATURE_FLAGS: 'a,b,c', INDEX: String(i) },
        health_checks: [{ type: 'http', url: 'http://localhost:80/health', interval: '10s', timeout: '1s', threshold: 3, on_failure: 'restart' }],
      });
      if (r.status !== 201) throw new Error(`POST /deployments: ${r.status} ${r.text.slice(0, 300)}`);
    }
  }));
  console.log(`POST /deployments (8 in flight): ${((rows / (performance.now() - t0)) * 1000).toFixed(0)} req/s`);
  await until(async () => {
    const r = await ring.request('GET', '/deployments?status=creating');
    return Array.isArray(r.json) && r.json.length === 0;
  }, 'settled', 60_000, 200);
  const sample = await ring.request('GET', '/deployments');
  const bodyFile = join(ring.dir, 'body.json');
  writeFileSync(bodyFile, sample.text);
  const child = spawn(process.execPath, [CEILING], { env: { ...process.env, RING_CEILING_BODY: bodyFile }, stdio: ['ignore', 'pipe', 'inherit'] });
  ceilingChild = child;
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => /CEILING_URL \S+/.test(out), 'ceiling', 20_000);
  const ceilingUrl = /CEILING_URL (\S+)/.exec(out)![1]!;
  const run = async (name: string, pid: number, url: string, headers: Record<string, string>) => {
    await autocannon({ url, headers, connections: 8, duration: 1 }); // warm-up
    const c0 = cpuMsOf(pid);
    const r = await autocannon({ url, headers, connections: 8, duration: seconds });
    const cpu = (cpuMsOf(pid) - c0) / Math.max(1, r.requests.total);
    console.log(`${name}: ${r.requests.average.toFixed(0)} req/s, p99 ${r.latency.p99} ms, server CPU ${cpu.toFixed(3)} ms/request, ${r.non2xx + r.errors} errors`);
  };
  console.log(`GET /deployments body: ${(sample.text.length / 1024).toFixed(0)} KiB, ${rows} rows`);
  await run('ceiling', child.pid!, `${ceilingUrl}/body`, {});
  await run('ring GET /deployments', ring.pid, `${ring.url}/deployments`, auth);
} finally {
  ceilingChild?.kill('SIGTERM');
  await ring.stop();
  await stub.close();
}
