// Real Docker: a running container's usage reaches the collector as Ring's ring.deployment.* gauges,
// and the reconciler's successful create as an OK span. Holds the Docker lock like every test here
// that starts containers (run as `flock /tmp/ring-docker.lock node --test …`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { waitFor } from '../../helpers/processes.js';
import { metrics, spans, startReceiver, type Receiver } from './receiver.js';

const docker = new Docker();
const ns = uniqueNamespace('otel');
const name = 'sleeper';

describe('OTLP export with a running container', () => {
  let collector: Receiver;
  let s: TestServer;
  let token = '';
  let id = '';

  before(async () => {
    await ensureTestImages(docker);
    collector = await startReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'ring-otel-docker-'));
    writeFileSync(join(dir, 'config.toml'), [
      '[server.telemetry.traces]', 'enabled = true', `endpoint = "${collector.url}"`, 'sampler = "always_on"', '',
      '[server.telemetry.metrics]', 'enabled = true', `endpoint = "${collector.url}"`, 'interval_seconds = 1', 'service_name = "ring-docker-otel"', '',
    ].join('\n'));
    s = await startTestServer({ OTEL_SERVICE_NAME: undefined, OTEL_EXPORTER_OTLP_ENDPOINT: undefined }, dir);
    token = await s.adminToken();
  });
  after(async () => {
    if (id) await s?.request('DELETE', `/deployments/${id}`, { token }).catch(() => undefined);
    await s?.close();
    await removeNamespaceArtifacts([ns], docker);
    await collector?.close();
  });

  it("exports the deployment's instances and usage, and an OK create span", async () => {
    const r = await s.request('POST', '/deployments', { token, body: { name, namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, replicas: 1, config: { image_pull_policy: 'IfNotPresent' } } });
    assert.equal(r.status, 201, r.text);
    id = r.json.id;
    await waitFor('the deployment to run', async () => ((await s.request('GET', `/deployments/${id}`, { token })).json?.status === 'running' ? true : undefined), 120_000);

    const series = { deployment: name, namespace: ns, runtime: 'docker' };
    const found = await waitFor('the per-deployment gauges', async () => {
      const all = metrics(collector);
      const point = (metric: string) => all.filter((m) => m.name === metric).flatMap((m) => m.points)
        .filter((p) => p.attributes.deployment === name && p.attributes.namespace === ns).at(-1);
      const instances = point('ring.deployment.instances');
      const memory = point('ring.deployment.memory.used_bytes');
      return instances?.value === 1 && memory ? { all, instances, memory } : undefined;
    }, 120_000);
    assert.deepEqual(found.instances.attributes, series);
    assert.ok(Number(found.memory.value) > 0, `memory in use: ${found.memory.value}`);
    assert.ok(found.all.every((m) => m.service === 'ring-docker-otel'));
    for (const n of ['ring.deployment.cpu.percent', 'ring.deployment.pids', 'ring.deployment.restarts', 'ring.deployment.network.rx_bytes']) {
      assert.ok(found.all.some((m) => m.name === n), n);
    }

    const create = await waitFor('the create span', async () =>
      spans(collector).find((sp) => sp.name === 'reconcile.createInstance' && sp.attributes['ring.deployment.id'] === id), 60_000);
    assert.equal(create.status, 0, 'a create that worked is not an error span');
    assert.equal(create.attributes['ring.action.reason'], 'scale_up');
  });
});
