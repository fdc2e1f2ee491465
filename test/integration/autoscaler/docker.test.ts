// The autoscaler on real Docker: a CPU-burning busybox worker with autoscale {min 1, max 2} grows to
// 2 containers; desired_replicas, the autoscaler event and the deployment.scaled webhook all say so.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { containersOf, removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { waitFor } from '../../helpers/processes.js';
import { Receiver } from '../webhooks/receiver.js';

describe('autoscaler', () => {
  let s: TestServer;
  let token: string;
  let receiver: Receiver;
  const ns = uniqueNamespace('autoscale');

  before(async () => {
    await ensureTestImages();
    receiver = await Receiver.start();
    s = await startTestServer({ RING_WEBHOOK_ALLOW_LOOPBACK: 'true' });
    token = await s.adminToken();
  });
  after(async () => {
    await s.close();
    await removeNamespaceArtifacts([ns]);
    await receiver.close();
  });

  it('scales a CPU-bound worker up to max, one step, and publishes deployment.scaled', async () => {
    const hook = await s.request('POST', '/webhooks', { token, body: { url: receiver.url(), events: ['deployment.scaled'] } });
    assert.equal(hook.status, 201, hook.text);
    const r = await s.request('POST', '/deployments', { token, body: {
      name: 'burner', namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, replicas: 1,
      command: ['sh', '-c', 'while :; do :; done'],
      autoscale: { min: 1, max: 2, target_cpu: 15 },
      config: { image_pull_policy: 'IfNotPresent' },
    } });
    assert.equal(r.status, 201, r.text);
    const id = r.json.id as string;
    assert.equal(r.json.desired_replicas, 1);

    const d = await waitFor('desired_replicas 2', async () => {
      const g = await s.request('GET', `/deployments/${id}`, { token });
      return g.json.desired_replicas === 2 ? g.json : undefined;
    }, 120_000, 500);
    assert.equal(d.replicas, 1, 'replicas stays the spec; desired_replicas is the target');

    await waitFor('2 running containers', async () => {
      const c = (await containersOf([ns])).filter((x) => x.State === 'running');
      return c.length === 2 ? c : undefined;
    }, 60_000, 500);

    const events = (await s.request('GET', `/deployments/${id}/events?limit=100`, { token })).json as { component: string; reason: string; message: string }[];
    const auto = events.filter((e) => e.component === 'autoscaler');
    assert.equal(auto.length, 1, JSON.stringify(auto));
    assert.equal(auto[0].reason, 'scale_up');
    assert.match(auto[0].message, /desired replicas 1 → 2 \(average CPU [\d.]+% above the target 15%/);

    const scaled = await waitFor('a deployment.scaled webhook to 2', async () =>
      receiver.received.find((x) => x.kind === 'deployment.scaled' && x.json?.instance_count === 2 && x.json?.deployment_id === id), 60_000, 250);
    assert.equal(scaled.json.direction, 'up');
    assert.equal(scaled.json.replicas, 2);

    // At max it stays: no third container while it keeps burning.
    await new Promise((res) => setTimeout(res, 4000));
    assert.equal((await containersOf([ns])).filter((x) => x.State === 'running').length, 2);
    assert.equal((await s.request('GET', `/deployments/${id}`, { token })).json.desired_replicas, 2);
    await s.request('DELETE', `/deployments/${id}`, { token });
  });
});
