// The short, seeded version of `npm run test:fuzz` (test/fuzz/long.ts), plus concurrent applies:
// a server whose Docker is a stand-in, hit with hostile requests across every operation of openapi.yaml.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { fuzz } from '../../fuzz/run.js';
import { loadSpec } from '../../fuzz/spec.js';
import { startFuzzServer, type FuzzServer } from '../../fuzz/target.js';

describe('fuzzing the API (short, seeded)', () => {
  let t: FuzzServer;
  before(async () => { t = await startFuzzServer(); });
  after(() => t.close());

  test('400 hostile requests across every operation: no 5xx, every 4xx problem+json, rejected requests write nothing', async () => {
    const stats = await fuzz(t, { requests: 400, concurrency: 8, seed: 9 });
    const operations = loadSpec().operations.map((o) => o.operationId);
    assert.deepEqual(stats.failures, [], stats.failures.map((f) => `${f.why}: ${f.request}`).join('\n'));
    assert.equal(stats.serverErrors, 0);
    assert.equal(stats.sent, 400);
    // The seed reaches every operation and rejects enough requests for the write check to mean something.
    assert.deepEqual(operations.filter((o) => !stats.byOperation[o]), []);
    assert.ok(stats.writeChecked >= 30, `only ${stats.writeChecked} rejected requests were write-checked`);
  });
});

describe('concurrent applies (stand-in Docker)', () => {
  let t: FuzzServer;
  before(async () => { t = await startFuzzServer(); });
  after(() => t.close());

  const apply = (name: string, i: number) => t.server.request('POST', '/deployments', {
    token: t.token,
    body: { name, namespace: 'race', runtime: 'docker', image: 'ring-test/busybox:1', replicas: 1, labels: { attempt: String(i) } },
  });

  function activeByName(): Map<string, number> {
    const db = new Database(t.dbPath, { readonly: true });
    try {
      const rows = db.prepare("SELECT name, COUNT(*) AS n FROM deployment WHERE namespace = 'race' AND status <> 'deleted' AND parent_id IS NULL GROUP BY name")
        .all() as { name: string; n: number }[];
      return new Map(rows.map((r) => [r.name, r.n]));
    } finally {
      db.close();
    }
  }

  test('20 parallel applies of one name, five times over: no 5xx, exactly one active deployment', async () => {
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => apply('same', round * 20 + i)));
      const statuses = results.map((r) => r.status);
      assert.ok(statuses.every((s) => s === 201 || s === 409), `round ${round}: ${JSON.stringify(statuses)}`);
      assert.equal(activeByName().get('same'), 1);
    }
  });

  test('100 parallel applies of different names: all 201, one active deployment each', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => apply(`many-${i}`, i)));
    assert.deepEqual([...new Set(results.map((r) => r.status))], [201], JSON.stringify(results.filter((r) => r.status !== 201).map((r) => r.json)));
    const active = activeByName();
    for (let i = 0; i < 100; i++) assert.equal(active.get(`many-${i}`), 1, `many-${i}`);
  });
});
