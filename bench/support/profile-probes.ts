// `node dist/bench/support/profile-probes.js [--n=300] [--seconds=10] [--interval=1s] [--mode=prober|probe] [--type=http|tcp] [--bare] [--prof=<dir>]`:
// scenario 6 (CPU per probe) without Docker. A HealthProber over a real store (a SQLite file in a
// tmp dir, as ring.db) probes N running instances, one http check each at `interval`, against a
// local http server on 127.0.0.1 in a child process (so its CPU is not counted; in the suite the
// app is a container). The instances' runtime address is 127.0.0.1 and the check's URL is
// http://localhost:<port>/health, so runProbe resolves it as it does a container's.
// --mode=probe runs the bare runProbe on the same timers and records nothing: the http client's
// share; --type=tcp a tcp check instead (its probe count is estimated from the cadence). Prints CPU ms per probe (process.cpuUsage over the measured window, after a warm-up).
// Runs under bin/ring's node settings (launchSettings()) unless --bare. With --prof the measured
// process writes a V8 CPU profile there. Profiling aid, not part of the suite.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deployment, DeploymentSpec, HealthCheckSpec } from '../../src/domain/deployment.js';
import { parseDuration } from '../../src/domain/durations.js';
import { HealthProber } from '../../src/reconciler/health.js';
import { runProbe } from '../../src/reconciler/probes.js';
import type { Instance, Runtime } from '../../src/runtime/runtime.js';
import { createStore, openDatabase } from '../../src/store/index.js';
import { launchSettings } from './ring-process.js';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const n = Number(arg('n', '300'));
const seconds = Number(arg('seconds', '10'));
const interval = arg('interval', '1s');
const mode = arg('mode', 'prober');
const prof = arg('prof', '');
const bare = process.argv.includes('--bare');
const type = arg('type', 'http');

if (process.env.RING_PROFILE_PROBES_CHILD !== '1') {
  // Re-run this script in a node with bin/ring's settings (the semi-space size changes probe CPU by ~30 %).
  const launch = bare ? { env: {}, nodeArgs: [] } : launchSettings();
  const self = fileURLToPath(import.meta.url);
  const args = [...launch.nodeArgs, ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), self, ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...launch.env, RING_PROFILE_PROBES_CHILD: '1' }, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await measure();
}

async function measure(): Promise<void> {
  // The app: answers 200 to every request, counts them, in its own process.
  const app = spawn(process.execPath, ['-e', `
    const http = require('node:http'); let served = 0;
    const s = http.createServer((req, res) => { served++; res.end('ok'); });
    s.listen(0, '127.0.0.1', () => process.send({ port: s.address().port }));
    process.on('message', () => process.send({ served }));`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => app.once('message', (m: { port: number }) => resolve(m.port)));
  const served = () => new Promise<number>((resolve) => { app.once('message', (m: { served: number }) => resolve(m.served)); app.send('count'); });

  const dir = mkdtempSync(join(tmpdir(), 'ring-profile-probes-'));
  const store = createStore(openDatabase(join(dir, 'ring.db')));
  const check: HealthCheckSpec = { type: type as 'http', ...(type === 'tcp' ? { port } : { url: `http://localhost:${port}/health` }), interval, timeout: '1s', threshold: 3, on_failure: 'restart' };
  const deployments: Deployment[] = [];
  const instances = new Map<string, Instance[]>();
  for (let i = 0; i < n; i++) {
    const spec: DeploymentSpec = {
      name: `p-${i}`, namespace: 'prof', runtime: 'docker', kind: 'worker', image: 'busybox:1.36', replicas: 1, command: ['httpd', '-f'],
      environment: { LOG_LEVEL: 'info', INDEX: String(i) }, labels: { app: `p-${i}`, team: 'bench' }, ports: [], volumes: [],
      config: { image_pull_policy: 'IfNotPresent' }, health_checks: [check],
    };
    const d = store.deployments.insert(spec, { status: 'running' });
    deployments.push(d);
    const t = Date.now() - 60_000;
    instances.set(d.id, [{ id: `${d.id.replace(/-/g, '')}${'0'.repeat(32)}`, name: `prof_p-${i}_${i.toString(16).padStart(8, '0')}`, deploymentId: d.id,
      state: 'running', exitCode: null, oomKilled: false, createdAt: t, startedAt: t, finishedAt: null, address: '127.0.0.1' }]);
  }
  const runtime = { name: 'docker', exec: async () => ({ exitCode: 0, output: '' }) } as unknown as Runtime;
  let restarts = 0;
  let stopProbing = () => {};
  if (mode === 'prober') {
    const prober = new HealthProber({
      store, runtimes: new Map([['docker', runtime]]), wake: () => {}, restartInstance: async () => void restarts++,
    });
    prober.observe(deployments, (id) => instances.get(id) ?? []);
    stopProbing = () => prober.stop();
  } else {
    // The same cadence (fixed, from each probe's start), the bare probe, nothing recorded.
    const ms = parseDuration(interval)!;
    let stopped = false;
    const timers = new Set<NodeJS.Timeout>();
    for (const [, [inst]] of instances) {
      const loop = async (): Promise<void> => {
        const t0 = Date.now();
        await runProbe(check, { instance: inst!, runtime });
        if (!stopped) timers.add(setTimeout(() => void loop(), t0 + ms - Date.now()));
      };
      void loop();
    }
    stopProbing = () => { stopped = true; for (const t of timers) clearTimeout(t); };
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(2000); // warm-up: every entry has probed, the JIT has seen the path
  const s0 = await served();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const c1 = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  const probes = type === 'tcp' ? Math.round((wall / 1000) * n / (parseDuration(interval)! / 1000)) : (await served()) - s0;
  stopProbing();
  const cpuMs = (c1.user + c1.system) / 1000;
  const rows = store.db.prepare('SELECT COUNT(*) AS c FROM health_check').get() as { c: number };
  console.log(`${mode}${bare ? ' (bare node)' : ''}: ${n} instances × 1 ${type} check at ${interval}, ${(wall / 1000).toFixed(1)} s: ${probes} probes `
    + `(${(probes / (wall / 1000)).toFixed(0)}/s), CPU ${cpuMs.toFixed(0)} ms (user ${(c1.user / 1000).toFixed(0)}, sys ${(c1.system / 1000).toFixed(0)}) `
    + `= ${(cpuMs / Math.max(1, probes)).toFixed(3)} ms per probe; ${rows.c} rows kept, ${restarts} restarts`);
  app.kill('SIGTERM');
  store.db.close();
  rmSync(dir, { recursive: true, force: true });
  await sleep(100);
  process.exit(0);
}
