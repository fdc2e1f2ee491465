// Rolling updates and immediate replacements through the API, on real Docker (RING §5.8).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HTTPD_IMAGE, HTTPD_V2_IMAGE } from '../../helpers/images.js';
import { freePort } from '../../helpers/server-process.js';
import { DEPLOYMENT_LABEL } from '../../../src/runtime/docker/index.js';
import { docker, httpGet, ipOf, running, serverPerSuite, servedBodies, sleep, waitFor } from './support.js';

const readiness = (path = '/health') => [{
  type: 'http', url: `http://localhost:80${path}`, interval: '200ms', timeout: '1s', threshold: 3, on_failure: 'restart',
  readiness: true, min_healthy_time: '1s',
}];

/** Samples every 200 ms whether any running container of these deployments answers 200. */
function availabilitySampler(ids: () => string[]) {
  const samples: boolean[] = [];
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const t = Date.now();
      let ok = false;
      for (const id of ids()) {
        for (const c of await running(id)) {
          const r = await httpGet(await ipOf(c.Id).catch(() => ''), '/', 500).catch(() => null);
          if (r?.status === 200) { ok = true; break; }
        }
        if (ok) break;
      }
      samples.push(ok);
      await sleep(Math.max(0, 200 - (Date.now() - t)));
    }
  })();
  return { samples, async stop() { stop = true; await done; } };
}

describe('rolling updates', () => {
  const { ns, api } = serverPerSuite('hcr');

  test('a re-apply with health checks rolls: the child takes over with no downtime, the parent is drained and purged', async () => {
    const base = { namespace: ns, name: 'web', replicas: 2, health_checks: readiness() };
    const v1 = await api.deploy({ ...base, image: HTTPD_IMAGE });
    await api.waitStatus(v1.id, 'running');
    const parentContainers = (await running(v1.id)).map((c) => c.Id);
    assert.equal(parentContainers.length, 2);

    let childId = '';
    const sampler = availabilitySampler(() => [v1.id, childId].filter(Boolean));
    const t0 = Date.now();
    const v2 = await api.deploy({ ...base, image: HTTPD_V2_IMAGE });
    childId = v2.id;
    assert.equal(v2.parent_id, v1.id, 'the child names its parent');
    assert.equal(v2.status, 'creating');
    const whileRolling = await api.get(v2.id);
    assert.equal(whileRolling.parent_id, v1.id);
    assert.equal((await api.get(v1.id)).status, 'running', 'the parent keeps serving while the child comes up');

    await waitFor('the parent purged', async () => (await api.get(v1.id)) === undefined, 60_000);
    const rollMs = Date.now() - t0;
    await sampler.stop();
    console.log(`# rolling update of 2 replicas in ${rollMs} ms; ${sampler.samples.length} samples, ${sampler.samples.filter((s) => !s).length} without an answer`);
    assert.ok(sampler.samples.length >= 5);
    assert.ok(sampler.samples.every(Boolean), `downtime: ${sampler.samples.map((s) => (s ? '.' : 'X')).join('')}`);

    const child = await api.waitStatus(v2.id, 'running');
    assert.equal(child.parent_id, undefined, 'once done the child is a deployment of its own');
    assert.deepEqual(await servedBodies(v2.id), ['200 v2', '200 v2']);
    assert.equal((await running(v1.id)).length, 0);
    for (const id of parentContainers) await assert.rejects(docker.getContainer(id).inspect(), 'parent container removed');
    const reasons = (await api.events(v2.id)).map((e) => e.reason).reverse();
    assert.deepEqual(reasons.filter((r) => r.startsWith('rolling_update')),
      ['rolling_update_started', 'rolling_update_step', 'rolling_update_step', 'rolling_update_complete']);
    assert.ok(reasons.indexOf('state_transition') < reasons.indexOf('rolling_update_step'), 'no drain before the child was running');

    // The child is now what the name resolves to: the next apply rolls from it.
    const v3 = await api.deploy({ ...base, image: HTTPD_IMAGE });
    assert.equal(v3.parent_id, v2.id);
    await waitFor('v2 purged', async () => (await api.get(v2.id)) === undefined, 60_000);
    assert.deepEqual(await servedBodies(v3.id), ['200 v1', '200 v1']);
    assert.equal((await api.call('DELETE', `/deployments/${v3.id}`)).status, 204);
  });

  test('--force replaces at once with a force_replace event naming the reason', async () => {
    const base = { namespace: ns, name: 'forced', replicas: 1, health_checks: readiness() };
    const v1 = await api.deploy({ ...base, image: HTTPD_IMAGE });
    await api.waitStatus(v1.id, 'running');
    const v2 = await api.deploy({ ...base, image: HTTPD_V2_IMAGE }, '?force=true');
    assert.equal(v2.parent_id, undefined);
    const old = await api.get(v1.id);
    assert.ok(old === undefined || old.status === 'deleted', 'the old deployment is marked deleted at once');
    const ev = (await api.events(v2.id)).find((e) => e.reason === 'force_replace');
    assert.ok(ev);
    assert.equal(ev.level, 'warning');
    assert.equal(ev.message, `Replaced deployment ${v1.id} immediately because force=true — expect a brief downtime`);
    await api.waitStatus(v2.id, 'running');
    assert.deepEqual(await servedBodies(v2.id), ['200 v2']);
    assert.equal((await api.call('DELETE', `/deployments/${v2.id}`)).status, 204);
  });

  test('no health checks, or a published host port: immediate replacement, reason named', async () => {
    const plain = { namespace: ns, name: 'plain', replicas: 1, image: HTTPD_IMAGE };
    const a = await api.deploy(plain);
    // A changed spec (an identical re-apply is a no-op since applies are idempotent).
    const b = await api.deploy({ ...plain, image: HTTPD_V2_IMAGE });
    assert.equal(b.parent_id, undefined);
    assert.equal((await api.events(b.id)).find((e) => e.reason === 'force_replace')?.message,
      `Replaced deployment ${a.id} immediately because no health checks are declared — expect a brief downtime`);

    const port = await freePort();
    const published = { namespace: ns, name: 'published', replicas: 1, image: HTTPD_IMAGE, health_checks: readiness(),
      ports: [{ published: port, target: 80, host_ip: '127.0.0.1' }] };
    const c = await api.deploy(published);
    const d = await api.deploy({ ...published, image: HTTPD_V2_IMAGE });
    assert.equal(d.parent_id, undefined);
    assert.equal((await api.events(d.id)).find((e) => e.reason === 'force_replace')?.message,
      `Replaced deployment ${c.id} immediately because it publishes a host port — expect a brief downtime`);
    await api.waitStatus(d.id, 'running', 30_000);
    for (const id of [b.id, d.id]) assert.equal((await api.call('DELETE', `/deployments/${id}`)).status, 204);
  });
});

describe('a rollout that fails', () => {
  const { ns, api } = serverPerSuite('hcf', { RING_ROLLOUT_DEADLINE: '4' });

  // The h01 scenario: 2 replicas of v1 with an http readiness check, then v2 whose readiness URL
  // answers 404, under a short RING_ROLLOUT_DEADLINE.
  test('a child that never becomes ready fails and stops serving; the parent keeps every instance serving; a fixed apply rolls again', async () => {
    const base = { namespace: ns, name: 'web', replicas: 2 };
    // v1's start_period lifts its own deadline past the 4 s one (a loaded host failed v1 itself);
    // the child below has none, so its deadline is 4 s.
    const v1 = await api.deploy({ ...base, image: HTTPD_IMAGE, health_checks: [{ ...readiness()[0], start_period: '120s' }] });
    await api.waitStatus(v1.id, 'running', 120_000);
    const before = (await running(v1.id)).map((c) => c.Id);

    // -v: httpd logs every request, so the stopped instances have logs to read afterwards.
    const bad = await api.deploy({ ...base, image: HTTPD_V2_IMAGE, command: ['/bin/httpd', '-f', '-v', '-p', '80', '-h', '/www'],
      health_checks: readiness('/missing') });
    assert.equal(bad.parent_id, v1.id);
    await api.waitStatus(bad.id, 'failed', 60_000);
    const ev = (await api.events(bad.id)).find((e) => e.reason === 'rolling_update_failed');
    assert.ok(ev);
    assert.equal(ev.level, 'error');
    assert.match(ev.message, new RegExp(`^Rolling update failed: .*4s rollout deadline; deployment ${v1.id} keeps serving$`));
    assert.ok(!(await api.events(bad.id)).some((e) => e.reason === 'readiness_deadline_exceeded'), 'a child is exempt from the plain deadline');

    // The failed child stops serving v2 next to its parent: stopped (kept, for its logs), with an event each.
    const badContainers = await docker.listContainers({ all: true, filters: { label: [`${DEPLOYMENT_LABEL}=${bad.id}`] } });
    assert.equal(badContainers.length, 2);
    await waitFor('the failed child\'s containers stopped', async () => (await running(bad.id)).length === 0, 30_000);
    const stops = await api.waitEvent(bad.id, 'rollout_instance_stopped');
    assert.equal(stops.level, 'warning');
    assert.match(stops.message, new RegExp(`the rolling update failed \\(deployment is failed\\); deployment ${v1.id} keeps serving$`));
    for (const c of badContainers) assert.equal((await docker.getContainer(c.Id).inspect()).State.Status, 'exited', 'stopped, not removed');
    const logs = await api.call('GET', `/deployments/${bad.id}/logs`);
    assert.equal(logs.status, 200, logs.text);
    assert.ok(Array.isArray(logs.json) && logs.json.length > 0, 'the stopped instances\' logs stay readable');

    const parent = await api.get(v1.id);
    assert.equal(parent.status, 'running');
    assert.deepEqual((await running(v1.id)).map((c) => c.Id), before, 'no parent instance was drained');
    assert.deepEqual(await servedBodies(v1.id), ['200 v1', '200 v1']);
    assert.equal((await api.get(bad.id)).status, 'failed');

    // A fixed manifest supersedes the failed child and rolls from the same parent. Its start_period
    // lifts its own deadline well past the 4 s one, so a busy machine cannot fail the fixed rollout.
    const good = await api.deploy({ ...base, image: HTTPD_V2_IMAGE, health_checks: [{ ...readiness()[0], start_period: '120s' }] });
    assert.equal(good.parent_id, v1.id);
    const superseded = await api.get(bad.id);
    assert.ok(superseded === undefined || superseded.status === 'deleted');
    await waitFor('the parent purged', async () => (await api.get(v1.id)) === undefined, 120_000);
    await api.waitStatus(good.id, 'running');
    assert.deepEqual(await servedBodies(good.id), ['200 v2', '200 v2']);
    await waitFor('the failed child purged', async () => (await api.get(bad.id)) === undefined, 30_000);
    const left = await docker.listContainers({ all: true, filters: { label: [`${DEPLOYMENT_LABEL}=${bad.id}`] } });
    assert.equal(left.length, 0, 'the purge removed the stopped containers');
  });
});
