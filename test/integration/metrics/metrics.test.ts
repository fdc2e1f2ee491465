// GET /metrics against a real server, real Docker and ring.db: the text parses strictly, every
// value matches what SQL reads from the same database, per-deployment series come from the
// background refresh, and the JSON variant carries the same numbers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import Docker from 'dockerode';
import { STATUSES } from '../../../src/domain/status.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { eventually, sleep } from '../webhooks/receiver.js';
import { parsePrometheusText, valueOf, type Family } from './prom-text.js';

const docker = new Docker();
const ns = uniqueNamespace('mx');
let s: TestServer;
let token = '';
let db: Database.Database;
let runningId = '';

const UNHEALTHY = ['pending', 'failed', 'crash_loop_back_off', 'image_pull_back_off', 'create_container_error', 'network_error',
  'config_error', 'file_system_error', 'insufficient_resources', 'error'];

/** What the metrics should say, read with plain SQL from the server's ring.db. */
function oracle() {
  const grouped = (sql: string) => Object.fromEntries((db.prepare(sql).all() as { k: string; n: number }[]).map((r) => [r.k, r.n]));
  const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    byStatus: grouped('SELECT status AS k, COUNT(*) AS n FROM deployment GROUP BY status'),
    byRuntime: grouped('SELECT runtime AS k, COUNT(*) AS n FROM deployment GROUP BY runtime'),
    live: (db.prepare("SELECT COUNT(*) AS n FROM deployment WHERE status <> 'deleted'").get() as { n: number }).n,
    unhealthy: db.prepare(`SELECT namespace, status, COUNT(*) AS n FROM deployment WHERE status IN (${UNHEALTHY.map(() => '?').join(',')})
      GROUP BY namespace, status`).all(...UNHEALTHY) as { namespace: string; status: string; n: number }[],
    tables: { ring_namespaces: count('namespace'), ring_secrets: count('secret'), ring_volumes: count('volumes'), ring_users: count('user'),
      ring_webhooks: count('webhook'), ring_configs: count('config') },
    events: grouped('SELECT status AS k, COUNT(*) AS n FROM events GROUP BY status'),
    checks: grouped('SELECT status AS k, COUNT(*) AS n FROM health_check GROUP BY status'),
    restarts: (db.prepare('SELECT restart_count AS n FROM deployment WHERE id = ?').get(runningId) as { n: number }).n,
  };
}

async function scrape(accept?: string) {
  const res = await s.request('GET', '/metrics', accept ? { headers: { accept } } : {});
  assert.equal(res.status, 200);
  return res;
}

/** One scrape with the SQL reads around it agreeing (the reconciler keeps working meanwhile). */
async function consistentScrape(): Promise<{ families: Map<string, Family>; expected: ReturnType<typeof oracle>; text: string }> {
  return eventually(async () => {
    const before = JSON.stringify(oracle());
    const text = (await scrape()).text;
    const expected = oracle();
    return JSON.stringify(expected) === before ? { families: parsePrometheusText(text), expected, text } : null;
  }, 20_000, 'a quiet moment');
}

before(async () => {
  await ensureTestImages(docker);
  s = await startTestServer();
  token = await s.adminToken();
  db = new Database(s.dbPath, { readonly: true });
  const post = async (path: string, body: unknown) => {
    const r = await s.request('POST', path, { token, body });
    assert.ok(r.status === 201, `${path}: ${r.status} ${r.text}`);
    return r.json;
  };
  await post('/namespaces', { name: ns });
  await post('/secrets', { namespace: ns, name: 'pw', value: 'hunter2' });
  await post('/configs', { namespace: ns, name: 'app', data: '{"a":"b"}' });
  await post('/volumes', { namespace: ns, name: 'data' });
  // Unreachable from here: its deliveries stay pending, so the queue gauge has something to count.
  await post('/webhooks', { url: 'http://192.0.2.1/hook' });
  runningId = (await post('/deployments', { name: 'web', namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, config: { image_pull_policy: 'IfNotPresent' } })).id;
  await post('/deployments', { name: 'broken', namespace: ns, runtime: 'docker', image: 'ring-test/missing:1', config: { image_pull_policy: 'Never' } });
  const gone = await post('/deployments', { name: 'gone', namespace: ns, runtime: 'docker', image: 'ring-test/missing:2', config: { image_pull_policy: 'Never' } });
  assert.equal((await s.request('DELETE', `/deployments/${gone.id}`, { token })).status, 204);
  await eventually(async () => (await s.request('GET', `/deployments/${runningId}`, { token })).json.status === 'running', 30_000, 'web running');
});

after(async () => {
  db?.close();
  await s.close();
  await removeNamespaceArtifacts([ns], docker);
});

describe('GET /metrics', () => {
  it('is public Prometheus text that parses strictly and matches the database', async () => {
    const res = await scrape();
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const { families, expected } = await consistentScrape();

    for (const f of families.values()) {
      assert.ok(f.help, `${f.name} has HELP`);
      assert.equal(f.type, f.name.endsWith('_total') ? 'counter' : 'gauge', f.name);
    }
    assert.deepEqual(families.get('ring_deployments_by_status')!.samples.map((x) => x.labels.status).sort(), [...STATUSES].sort(),
      'every known status, even at 0');
    for (const st of STATUSES) assert.equal(valueOf(families, 'ring_deployments_by_status', { status: st }), expected.byStatus[st] ?? 0, st);
    assert.ok((expected.byStatus.running ?? 0) >= 1 && (expected.byStatus.image_pull_back_off ?? 0) + (expected.byStatus.crash_loop_back_off ?? 0) >= 1);
    assert.equal(valueOf(families, 'ring_deployments'), expected.live);
    for (const [rt, n] of Object.entries(expected.byRuntime)) assert.equal(valueOf(families, 'ring_deployments_by_runtime', { runtime: rt }), n);
    assert.equal(families.get('ring_unhealthy_deployments')!.samples.length, expected.unhealthy.length);
    for (const u of expected.unhealthy) assert.equal(valueOf(families, 'ring_unhealthy_deployments', { namespace: u.namespace, status: u.status }), u.n);
    assert.ok(expected.unhealthy.some((u) => u.namespace === ns), 'the broken deployment is counted in its namespace');
    for (const [name, n] of Object.entries(expected.tables)) assert.equal(valueOf(families, name), n, name);
    for (const st of ['pending', 'delivered', 'dead']) assert.equal(valueOf(families, 'ring_events_by_status', { status: st }), expected.events[st] ?? 0, st);
    assert.ok((expected.events.pending ?? 0) >= 1, 'deliveries to the unreachable webhook are pending');
    for (const st of ['success', 'failed', 'timeout']) assert.equal(valueOf(families, 'ring_health_checks_by_status', { status: st }), expected.checks[st] ?? 0, st);
  });

  it('serves per-deployment resource series from the background refresh', async () => {
    const families = await eventually(async () => {
      const f = parsePrometheusText((await scrape()).text);
      return valueOf(f, 'ring_deployment_instances', { deployment: 'web', namespace: ns }) === 1 ? f : null;
    }, 20_000, 'the running deployment in the runtime series');
    const labels = { deployment: 'web', namespace: ns, runtime: 'docker' };
    assert.ok(valueOf(families, 'ring_deployment_memory_usage_bytes', labels)! > 0);
    assert.ok(valueOf(families, 'ring_deployment_pids', labels)! >= 1);
    assert.ok(valueOf(families, 'ring_deployment_cpu_usage_percent', labels)! >= 0);
    assert.equal(valueOf(families, 'ring_deployment_restarts_total', labels), oracle().restarts);
    assert.equal(families.get('ring_deployment_network_rx_bytes_total')!.type, 'counter');
    assert.equal(valueOf(families, 'ring_deployment_instances', { deployment: 'broken', namespace: ns }), undefined, 'only running deployments');

    // Refreshed on the scheduler interval (1 s here), not at scrape time: back-to-back scrapes share a refresh.
    const t0 = Date.now();
    const a = valueOf(parsePrometheusText((await scrape()).text), 'ring_runtime_last_refresh_seconds')!;
    const b = valueOf(parsePrometheusText((await scrape()).text), 'ring_runtime_last_refresh_seconds')!;
    const scrapeMs = (Date.now() - t0) / 2;
    assert.ok(a > 0 && a <= Date.now() / 1000 + 1, `last refresh ${a}`);
    assert.ok(b - a <= 1, 'no refresh per scrape');
    await sleep(2500);
    const c = valueOf(parsePrometheusText((await scrape()).text), 'ring_runtime_last_refresh_seconds')!;
    assert.ok(c > a, `refreshed in the background (${a} → ${c})`);
    console.log(`# /metrics scrape: ${scrapeMs.toFixed(1)} ms`);
  });

  it('answers JSON for Accept: application/json, with the same numbers', async () => {
    const res = await scrape('application/json');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const j = res.json;
    const expected = oracle();
    assert.deepEqual(Object.keys(j.deployments_by_status).sort(), [...STATUSES].sort());
    assert.equal(j.secrets, expected.tables.ring_secrets);
    assert.equal(j.webhooks, expected.tables.ring_webhooks);
    assert.deepEqual(Object.keys(j.events_by_status).sort(), ['dead', 'delivered', 'pending']);
    assert.ok(j.deployment_runtime.some((d: any) => d.name === 'web' && d.namespace === ns && d.instances === 1));
    assert.equal(typeof j.runtime_last_refresh_seconds, 'number');
    assert.equal((await scrape('text/plain, */*')).headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  });
});
