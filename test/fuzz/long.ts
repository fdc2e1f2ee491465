// `npm run test:fuzz`: the long fuzz run (≥ 10,000 requests across every operation, concurrency 16,
// seeded), then a restart of the server on the ring.db the run left behind (it must boot and serve).
// FUZZ_REQUESTS, FUZZ_CONCURRENCY and FUZZ_SEED override the defaults. Exits non-zero on any failure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzz, type FuzzStats } from './run.js';
import { startFuzzServer } from './target.js';

const requests = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 16);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

const dir = mkdtempSync(join(tmpdir(), 'ring-fuzz-'));
const keep = join(dir, 'state');
console.log(`fuzz: ${requests} requests, concurrency ${concurrency}, seed ${seed} (FUZZ_SEED=${seed} repeats this run)`);
const started = Date.now();
let target = await startFuzzServer(keep);
let last = 0;
const stats: FuzzStats = await fuzz(target, {
  requests, concurrency, seed,
  onProgress: (s) => {
    if (s.sent - last >= 1000) {
      last = s.sent;
      console.log(`fuzz: ${s.sent} sent, ${s.serverErrors} 5xx, ${s.failures.length} failures, statuses ${JSON.stringify(s.byStatus)}`);
    }
  },
});
const failures = [...stats.failures];
// The state the run left must be one the server can boot on (a poisoned row once made it unbootable).
await target.server.stop();
await target.docker.close();
try {
  target = await startFuzzServer(keep);
  const r = await fetch(`${target.url}/deployments`, { headers: { authorization: `Bearer ${target.token}` } });
  if (r.status !== 200) failures.push({ request: 'GET /deployments after restart', status: r.status, why: 'restarted server does not list', body: (await r.text()).slice(0, 300) });
  await target.close();
} catch (e) {
  failures.push({ request: 'restart on the fuzzed ring.db', status: 'dead', why: String(e), body: '' });
}
rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({
  requests: stats.sent, seconds: Math.round((Date.now() - started) / 1000), server_errors: stats.serverErrors,
  connection_errors: stats.connectionErrors, rejected_requests_write_checked: stats.writeChecked,
  by_status: stats.byStatus, by_mutation: stats.byMutation, operations: Object.keys(stats.byOperation).length,
}, null, 1));
for (const f of failures.slice(0, 30)) console.log(`FAIL ${f.why} [${f.status}]: ${f.request}\n  → ${f.body}`);
if (failures.length) {
  console.log(`fuzz: ${failures.length} failures`);
  process.exit(1);
}
console.log('fuzz: ok');
process.exit(0);
