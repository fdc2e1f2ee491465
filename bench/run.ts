// `npm run bench [-- --quick] [-- --only=latency,rolling,scale,api]`: every benchmark in one run,
// each figure next to its anchor measured in this same run, written to bench/RESULTS.md and
// bench/results.json. --quick shortens the long scenarios (fewer rounds, smaller counts) so the
// whole suite fits in ~3 minutes; the full run fits in ~15. Touches Docker: run it under
// `flock /tmp/ring-docker.lock`. Not part of `npm test`.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ensureTestImages, BUSYBOX_IMAGE, HTTPD_IMAGE, HTTPD_V2_IMAGE } from '../test/helpers/images.js';
import { writeResults, type Results } from './support/report.js';
import { dockerApi, type BenchContext } from './support/context.js';
import { startPrivateSwarm, type PrivateDaemon } from './support/private-dockerd.js';
import { errorLine } from './support/util.js';
import { latency } from './scenarios/latency.js';
import { rolling } from './scenarios/rolling.js';
import { scale } from './scenarios/scale.js';
import { api } from './scenarios/api.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wants = (name: string) => !only || only.includes(name);
const started = new Date();
const t0 = performance.now();
const log = (line: string) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);

const ctx: BenchContext = {
  quick, prefix: `rbench-${randomBytes(3).toString('hex')}`, rows: [], notes: [], log, docker: dockerApi(),
};

await ensureTestImages();
let swarm: PrivateDaemon | { unavailable: string } = { unavailable: 'not needed by the selected scenarios' };
if (wants('latency') || wants('rolling')) {
  log('starting the private dockerd for the Swarm anchors');
  swarm = await startPrivateSwarm([BUSYBOX_IMAGE, HTTPD_IMAGE, HTTPD_V2_IMAGE]);
  if ('unavailable' in swarm) {
    log(`Swarm anchors skipped: ${swarm.unavailable}`);
    ctx.notes.push(`Swarm anchors skipped: ${swarm.unavailable}`);
  }
}

const scenarios: [string, () => Promise<void>][] = [
  ['latency', () => latency(ctx, swarm)],
  ['rolling', () => rolling(ctx, swarm)],
  ['scale', () => scale(ctx)],
  ['api', () => api(ctx)],
];
let failed = false;
try {
  for (const [name, fn] of scenarios) {
    if (!wants(name)) continue;
    const s0 = performance.now();
    try {
      await fn();
    } catch (err) {
      failed = true;
      log(`${name} FAILED: ${(err as Error).stack ?? err}`);
      ctx.notes.push(`scenario ${name} failed: ${errorLine(err)}`);
    }
    log(`${name} done in ${((performance.now() - s0) / 1000).toFixed(0)} s`);
  }
} finally {
  if (!('unavailable' in swarm)) {
    log('stopping the private dockerd');
    await swarm.stop();
  }
}

const docker = (() => { try { return execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim(); } catch { return '?'; } })();
const results: Results = {
  startedAt: started.toISOString(),
  finishedAt: new Date().toISOString(),
  durationS: (performance.now() - t0) / 1000,
  mode: quick ? 'quick' : 'full',
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version, docker },
  rows: ctx.rows,
  notes: ctx.notes,
};
// A partial run (--only) never overwrites the suite's results.
const out = only ? `/tmp/ring-bench-${only.join('-')}` : fileURLToPath(new URL('../../bench/', import.meta.url));
const md = only ? `${out}-RESULTS.md` : `${out}RESULTS.md`;
const json = only ? `${out}-results.json` : `${out}results.json`;
writeResults(results, md, json);
log(`wrote ${md} and ${json}`);
if (failed) process.exitCode = 1;
