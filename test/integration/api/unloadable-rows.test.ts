// A ring.db holding deployment rows this server cannot handle (unparseable spec, replicas 1e21, a
// 100,000-level nesting) must not take the server down: it starts, serves, and shows each of them
// as `error` with an event saying why, while a sound deployment beside them is untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { startTestServer } from '../../helpers/server.js';
import { startDockerStub } from '../../helpers/docker-stub.js';
import { waitFor } from '../../helpers/processes.js';

test('poisoned deployment rows are marked error at start; the server stays up and serves them', async () => {
  const docker = await startDockerStub();
  const first = await startTestServer({ DOCKER_HOST: docker.host });
  let token = await first.adminToken();
  const ids: Record<string, string> = {};
  for (const name of ['sound', 'not-json', 'huge-replicas', 'deep']) {
    const r = await first.request('POST', '/deployments', { token, body: { name, namespace: 'poison', runtime: 'docker', image: 'ring-test/busybox:1', replicas: 0 } });
    assert.equal(r.status, 201, r.text);
    ids[name] = r.json.id;
  }
  await first.stop();

  const db = new Database(first.dbPath);
  const spec = (id: string) => JSON.parse((db.prepare('SELECT spec FROM deployment WHERE id = ?').get(id) as { spec: string }).spec);
  db.prepare('UPDATE deployment SET spec = ? WHERE id = ?').run('{"name": "not-json", "replicas": ', ids['not-json']);
  db.prepare('UPDATE deployment SET replicas = ?, spec = ? WHERE id = ?').run(1e21, JSON.stringify({ ...spec(ids['huge-replicas']!), replicas: 1e21 }), ids['huge-replicas']);
  const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
  db.prepare('UPDATE deployment SET spec = ? WHERE id = ?').run(JSON.stringify({ ...spec(ids.deep!), network: { mode: 'bridge', zz: 0 } }).replace('"zz":0', `"zz":${deep}`), ids.deep);
  db.close();

  const again = await startTestServer({ DOCKER_HOST: docker.host }, first.dir);
  try {
    token = await again.adminToken();
    const list = await again.request('GET', '/deployments?namespace=poison', { token });
    assert.equal(list.status, 200, list.text);
    const status = Object.fromEntries(list.json.map((d: { name: string; status: string }) => [d.name, d.status]));
    assert.deepEqual({ ...status, sound: undefined }, { sound: undefined, 'not-json': 'error', 'huge-replicas': 'error', deep: 'error' });
    assert.notEqual(status.sound, 'error');
    for (const name of ['not-json', 'huge-replicas', 'deep']) {
      const events = await again.request('GET', `/deployments/${ids[name]}/events`, { token });
      assert.equal(events.status, 200);
      const e = events.json.find((x: { reason: string }) => x.reason === 'invalid_stored_spec');
      assert.ok(e, `${name}: no invalid_stored_spec event in ${events.text.slice(0, 300)}`);
      assert.equal(e.level, 'error');
    }
    const huge = await again.request('GET', `/deployments/${ids['huge-replicas']}`, { token });
    assert.equal(huge.json.replicas, 0);
    // Several reconciler passes later the server still answers and nothing was retried into another status.
    await new Promise((r) => setTimeout(r, 3000));
    const health = await again.request('GET', '/healthz');
    assert.equal(health.status, 200);
    const later = await again.request('GET', `/deployments/${ids.deep}`, { token });
    assert.equal(later.json.status, 'error');
    // Deleting one works, and a fresh apply of the name replaces it with a loadable row.
    assert.equal((await again.request('DELETE', `/deployments/${ids['not-json']}`, { token })).status, 204);
    const fresh = await again.request('POST', '/deployments', { token, body: { name: 'huge-replicas', namespace: 'poison', runtime: 'docker', image: 'ring-test/busybox:1', replicas: 0 } });
    assert.equal(fresh.status, 201, fresh.text);
    await waitFor('the deleted unloadable row to be purged', async () => {
      const r = await again.request('GET', `/deployments/${ids['not-json']}`, { token });
      return r.status === 404 ? true : undefined;
    }, 30_000);
  } finally {
    await again.close();
    await docker.close();
  }
});
