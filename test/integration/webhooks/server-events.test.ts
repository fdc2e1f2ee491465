// Webhooks through a real server, the real reconciler and the real Docker engine: the /webhooks
// API, and the events the reconciler and the API publish (status changes, scaling, errors), each
// checked for payload and signature at a receiver on 127.0.0.1. health_check_failed and
// rolling_update come from the health prober / rollout code and are covered, with the same
// checks, through the publish API in delivery.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { DEPLOYMENT_LABEL } from '../../../src/runtime/docker/index.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { Receiver, eventually, expectedSignature, sleep, type Received } from './receiver.js';

const docker = new Docker();
const ns = uniqueNamespace('wh');
let s: TestServer;
let token = '';
const receivers: Receiver[] = [];
const stray: string[] = [];

async function receiver(): Promise<Receiver> {
  const r = await Receiver.start();
  receivers.push(r);
  return r;
}

function deploymentBody(name: string, over: Record<string, unknown> = {}) {
  return { name, namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, replicas: 1, config: { image_pull_policy: 'IfNotPresent' }, ...over };
}

/** The received events about one deployment, as `kind old→new` / `kind direction n` lines. */
function lines(r: Receiver, deploymentId: string): string[] {
  return r.received.filter((x) => x.json?.deployment_id === deploymentId).map((x) => {
    const p = x.json;
    switch (x.kind) {
      case 'deployment.status_changed': return `status ${p.old_status}→${p.new_status}`;
      case 'deployment.scaled': return `scaled ${p.direction} ${p.instance_count}/${p.replicas}`;
      case 'deployment.error': return `error ${p.reason} ${p.category}`;
      default: return x.kind;
    }
  });
}

async function waitForLine(r: Receiver, deploymentId: string, line: string, ms = 120_000): Promise<Received> {
  await eventually(() => lines(r, deploymentId).includes(line), ms, `'${line}' at the receiver`);
  const i = lines(r, deploymentId).indexOf(line);
  return r.received.filter((x) => x.json?.deployment_id === deploymentId)[i]!;
}

before(async () => {
  await ensureTestImages(docker);
  s = await startTestServer({ RING_WEBHOOK_ALLOW_LOOPBACK: 'true' });
  token = await s.adminToken();
});

after(async () => {
  await s.close();
  for (const id of stray) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  await removeNamespaceArtifacts([ns], docker);
  for (const r of receivers) await r.close();
});

describe('webhooks through the server', () => {
  const post = (body: unknown) => s.request('POST', '/webhooks', { token, body });

  it('rejects a bad URL and malformed filters with every violation, and stores nothing', async () => {
    const r = await post({ url: 'http://169.254.169.254/latest/meta-data', events: ['deployment*', 'deployement.*', 'deployment.scaled'] });
    assert.equal(r.status, 422);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(r.json.violations, [
      { property_path: 'url', code: 'webhook.url.format', message: 'URL must not target an internal address (169.254.169.254: link-local address)' },
      { property_path: 'events[0]', code: 'webhook.events.unknown', message: "invalid wildcard 'deployment*' — use '*' for all kinds or '<family>.*' (e.g. 'deployment.*')" },
      { property_path: 'events[1]', code: 'webhook.events.unknown', message: "unknown event family 'deployement.*' (known families: deployment)" },
    ]);
    assert.equal((await post({ url: 'gopher://example.com/' })).json.violations[0].message, 'must be an http or https URL');
    assert.equal((await post({ events: [] })).status, 400, 'url is required');
    assert.deepEqual((await s.request('GET', '/webhooks', { token })).json, []);
  });

  it('delivers status changes, scaling and errors of real deployments, signed, to matching live subscribers only', async () => {
    const all = await receiver();
    const statusOnly = await receiver();
    const revoked = await receiver();

    const created = await post({ url: all.url(), events: ['*'] });
    assert.equal(created.status, 201);
    assert.match(created.json.secret, /^whsec_[0-9a-f]{64}$/);
    assert.equal(created.json.message, 'Copy the secret now — it will not be shown again.');
    const secret = created.json.secret as string;
    const hookId = created.json.id as string;
    const b = await post({ url: statusOnly.url(), events: ['deployment.status_changed'], secret: 'my-own-secret' });
    assert.equal(b.json.secret, 'my-own-secret');
    const r = await post({ url: revoked.url(), events: [] });
    assert.equal((await s.request('DELETE', `/webhooks/${r.json.id}`, { token })).status, 204);
    assert.equal((await s.request('DELETE', `/webhooks/${r.json.id}`, { token })).status, 204, 'revoking twice is fine');
    const missing = await s.request('DELETE', '/webhooks/nope', { token });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.detail, 'webhook not found');

    const list = (await s.request('GET', '/webhooks', { token })).json;
    assert.deepEqual(list.map((w: any) => [w.id, w.revoked_at === null]), [[r.json.id, false], [b.json.id, true], [hookId, true]]);
    assert.ok(list.every((w: any) => !('secret' in w)), 'the secret is shown once only');

    // A worker that comes up: scaled up, then running.
    const dep = await s.request('POST', '/deployments', { token, body: deploymentBody('web') });
    assert.equal(dep.status, 201, dep.text);
    const id = dep.json.id as string;
    const running = await waitForLine(all, id, 'status creating→running');
    assert.deepEqual(lines(all, id).slice(0, 2), ['scaled up 1/1', 'status creating→running']);
    assert.deepEqual(running.json, {
      schema_version: 1, deployment_id: id, namespace: ns, name: 'web', kind: 'worker',
      old_status: 'creating', new_status: 'running', restart_count: 0,
    });
    const transitionAt = Date.parse((await s.request('GET', `/deployments/${id}/events?limit=1000`, { token })).json
      .find((e: any) => e.reason === 'state_transition' && /creating to running/.test(e.message)).timestamp);
    // Delivered after the change was recorded; how soon is the machine's speed (bench/, not here).
    assert.ok(running.at >= transitionAt - 1000, 'not delivered before the change');

    // A container the deployment does not want: the reconciler scales down.
    const extra = await docker.createContainer({
      Image: BUSYBOX_IMAGE, Cmd: ['/bin/sleep', '3600'], Labels: { [DEPLOYMENT_LABEL]: id, 'ring.namespace': ns },
      // No network of its own: the test needs a stray instance, not the daemon's default bridge.
      HostConfig: { NetworkMode: 'none' },
    });
    stray.push(extra.id);
    await extra.start();
    const down = await waitForLine(all, id, 'scaled down 1/1');
    assert.deepEqual(down.json, {
      schema_version: 1, deployment_id: id, namespace: ns, name: 'web', kind: 'worker', direction: 'down', instance_count: 1, replicas: 1,
    });

    // An image that cannot exist here: deployment.error (user) and the failed status.
    const bad = await s.request('POST', '/deployments', {
      token, body: deploymentBody('broken', { image: 'ring-test/does-not-exist:1', config: { image_pull_policy: 'Never' } }),
    });
    assert.equal(bad.status, 201, bad.text);
    const err = await waitForLine(all, bad.json.id, 'error image_pull_back_off user');
    assert.equal(err.json.schema_version, 1);
    assert.equal(err.json.name, 'broken');
    assert.match(err.json.message, /not found/);
    await waitForLine(all, bad.json.id, 'status creating→image_pull_back_off');

    // A missing config: config_error, reported as a user error with the resolver's message.
    const noConfig = await s.request('POST', '/deployments', {
      token, body: deploymentBody('unconfigured', {
        volumes: [{ type: 'config', source: 'nowhere', key: 'app.conf', destination: '/etc/app.conf', driver: 'local', permission: 'ro' }],
      }),
    });
    assert.equal(noConfig.status, 201, noConfig.text);
    const cfg = await waitForLine(all, noConfig.json.id, 'error config_error user');
    assert.match(cfg.json.message, /Config 'nowhere' not found/);
    await waitForLine(all, noConfig.json.id, 'status creating→config_error');

    // A delete through the API is a status change too.
    assert.equal((await s.request('DELETE', `/deployments/${id}`, { token })).status, 204);
    await waitForLine(all, id, 'status running→deleted');

    for (const x of all.received) {
      assert.equal(x.signature, expectedSignature(secret, x.body), `signature of ${x.kind}`);
      assert.equal(x.contentType, 'application/json');
      assert.match(x.userAgent, /^ring\/\d+\.\d+\.\d+/);
    }
    await eventually(() => lines(statusOnly, id).includes('status running→deleted'), 10_000, 'the status-only subscriber');
    assert.ok(statusOnly.received.every((x) => x.kind === 'deployment.status_changed'));
    assert.ok(statusOnly.received.every((x) => x.signature === expectedSignature('my-own-secret', x.body)));
    await sleep(300);
    assert.equal(revoked.received.length, 0, 'a revoked webhook receives nothing');

    const deliveries = (await s.request('GET', `/webhooks/${hookId}/events?limit=1000`, { token })).json;
    assert.equal(deliveries.length, all.received.length);
    assert.ok(deliveries.every((d: any) => d.status === 'delivered' && d.attempts === 1 && d.next_attempt_at === null), JSON.stringify(deliveries[0]));
    assert.deepEqual(deliveries.map((d: any) => d.payload).reverse(), all.received.map((x) => x.body));
    assert.deepEqual((await s.request('GET', `/webhooks/${r.json.id}/events`, { token })).json, []);
  });

  it('logs the request id on the handler lines of a request', async () => {
    const r = await post({ url: 'https://hooks.example.com/ring' });
    assert.equal(r.status, 201);
    const entries = s.logs().trim().split('\n').map((l) => JSON.parse(l).fields);
    const created = entries.find((e) => e.message === 'webhook created' && e.webhook === r.json.id);
    assert.ok(created, 'the handler logged');
    assert.equal(typeof created.reqId, 'string');
    const request = entries.find((e) => e.message === 'request' && e.reqId === created.reqId);
    assert.deepEqual([request?.method, request?.path, request?.status], ['POST', '/webhooks', 201]);
  });

  it('keeps namespace-restricted tokens away from webhooks, which see every namespace', async () => {
    const t = await s.request('POST', '/tokens', { token, body: { name: 'confined', scopes: ['webhooks:read', 'webhooks:write'], namespaces: [ns] } });
    assert.equal(t.status, 201, t.text);
    const confined = t.json.token as string;
    assert.equal((await s.request('POST', '/webhooks', { token: confined, body: { url: 'https://hooks.example.com/x' } })).status, 403);
    assert.equal((await s.request('GET', '/webhooks', { token: confined })).status, 200);
    const id = (await s.request('GET', '/webhooks', { token })).json[0].id;
    assert.equal((await s.request('GET', `/webhooks/${id}/events`, { token: confined })).status, 403);
    assert.equal((await s.request('DELETE', `/webhooks/${id}`, { token: confined })).status, 403);
  });
});
