// The outbox and its dispatcher against real HTTP receivers on 127.0.0.1 and a real ring.db:
// payloads and signatures of every kind, filters, outages, dead letters, per-subscriber retries,
// revocation, redirects, the DNS guard and a stop that leaves deliveries for the next start.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, createStore, type Store } from '../../../src/store/index.js';
import { WebhookDispatcher, type DispatcherOptions } from '../../../src/webhooks/dispatcher.js';
import {
  publishError, publishHealthCheckFailed, publishRollingUpdate, publishScaled, publishStatusChanged, type DeploymentRef,
} from '../../../src/webhooks/publish.js';
import { Receiver, eventually, expectedSignature, sleep } from './receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'ring-webhooks-'));
let store: Store;
const running: { d: WebhookDispatcher; r: Receiver[] }[] = [];

function deployment(name = 'web'): DeploymentRef {
  return { id: randomUUID(), namespace: `wh-${randomUUID().slice(0, 8)}`, name, kind: 'worker' };
}

function dispatcher(over: Partial<DispatcherOptions> = {}, ...receivers: Receiver[]): WebhookDispatcher {
  const d = new WebhookDispatcher({
    store, policy: { allowLoopback: true }, userAgent: 'ring/test', pollMs: 60_000, backoffMs: (n) => 20 * n, ...over,
  });
  d.start();
  running.push({ d, r: receivers });
  return d;
}

function subscribe(r: Receiver, events: string[] = [], secret = `whsec_${randomUUID().replace(/-/g, '')}`) {
  return store.webhooks.insert({ url: r.url(), secret, events });
}

/** Every webhook so far is revoked, so one test's events never reach another's receivers. */
function revokeAll(): void {
  for (const w of store.webhooks.active()) store.tx(() => { store.webhooks.revoke(w.id); store.outbox.cancelPending(w.id, new Date().toISOString()); });
}

before(() => {
  store = createStore(openDatabase(join(dir, 'ring.db')));
});

afterEach(async () => {
  for (const { d, r } of running.splice(0)) {
    await d.stop();
    for (const x of r) await x.close();
  }
  revokeAll();
});

after(() => {
  store.db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('webhook delivery', () => {
  it('sends every kind with RING payloads, JSON content type, the event header and a valid signature', async () => {
    const all = await Receiver.start();
    const scaledOnly = await Receiver.start();
    const family = await Receiver.start();
    const a = subscribe(all);
    subscribe(scaledOnly, ['deployment.scaled']);
    subscribe(family, ['deployment.*']);
    dispatcher({}, all, scaledOnly, family);

    const d = deployment();
    store.tx(() => {
      publishStatusChanged(store, d, { from: 'creating', to: 'running', restartCount: 0 });
      publishHealthCheckFailed(store, d, { instanceId: 'abc123def456', action: 'restart', message: 'HTTP check failed with status 500' });
      publishRollingUpdate(store, d, { parentId: 'parent-1', phase: 'step', drainedInstanceId: 'old-instance' });
      publishRollingUpdate(store, d, { parentId: 'parent-1', phase: 'complete', drainedInstanceId: 'ignored' });
      publishScaled(store, d, { direction: 'up', instanceCount: 2, replicas: 3 });
      publishError(store, d, { reason: 'image_pull_back_off', category: 'user', message: "Image 'x' not found" });
    });

    // The safety-net poll is 60 s, longer than this wait: arriving at all proves the publish woke
    // the dispatcher. How soon is the machine's speed (bench/, not here).
    const got = await all.waitFor(6, 30_000);
    const env = { schema_version: 1, deployment_id: d.id, namespace: d.namespace, name: d.name, kind: 'worker' };
    assert.deepEqual(got.map((r) => [r.kind, r.json]), [
      ['deployment.status_changed', { ...env, old_status: 'creating', new_status: 'running', restart_count: 0 }],
      ['deployment.health_check_failed', { ...env, instance_id: 'abc123def456', action: 'restart', message: 'HTTP check failed with status 500' }],
      ['deployment.rolling_update', { ...env, parent_id: 'parent-1', phase: 'step', drained_instance_id: 'old-instance' }],
      ['deployment.rolling_update', { ...env, parent_id: 'parent-1', phase: 'complete', drained_instance_id: null }],
      ['deployment.scaled', { ...env, direction: 'up', instance_count: 2, replicas: 3 }],
      ['deployment.error', { ...env, reason: 'image_pull_back_off', category: 'user', message: "Image 'x' not found" }],
    ]);
    for (const r of got) {
      assert.equal(r.contentType, 'application/json');
      assert.equal(r.userAgent, 'ring/test');
      assert.equal(r.signature, expectedSignature(a.secret, r.body));
      assert.notEqual(r.signature, expectedSignature('another secret', r.body));
    }

    assert.deepEqual((await family.waitFor(6)).map((r) => r.kind), got.map((r) => r.kind));
    await eventually(() => store.outbox.listForWebhook(a.id, 50).every((x) => x.status === 'delivered'), 5000, 'all delivered');
    assert.deepEqual(scaledOnly.received.map((r) => r.kind), ['deployment.scaled']);
  });

  it('keeps everything and the order per deployment while the receiver is down, then delivers it all', async () => {
    const r = await Receiver.start();
    const port = r.port;
    const w = subscribe(r);
    await r.close(); // down: connections are refused
    dispatcher({ backoffMs: (n) => 40 * n }, r);
    const x = deployment('x');
    const y = deployment('y');
    for (let i = 0; i < 6; i++) {
      publishStatusChanged(store, x, { from: 'running', to: 'running', restartCount: i });
      publishStatusChanged(store, y, { from: 'running', to: 'running', restartCount: i });
      await sleep(15);
    }
    await eventually(() => store.outbox.listForWebhook(w.id, 50).some((v) => v.attempts >= 2), 5000, 'failed attempts');
    const failing = store.outbox.listForWebhook(w.id, 50).filter((v) => v.attempts > 0);
    assert.ok(failing.every((v) => v.status === 'pending' && /ECONNREFUSED/.test(v.last_error ?? '')), JSON.stringify(failing));
    // Only the head of each deployment's stream was tried: later events wait their turn.
    assert.equal(failing.length, 2, 'one head per deployment');

    await sleep(400);
    await r.listen(port);
    const got = await r.waitFor(12, 10_000);
    await sleep(200);
    assert.equal(r.received.length, 12, 'each event exactly once');
    const counts = (dep: DeploymentRef) => got.filter((g) => g.json.deployment_id === dep.id).map((g) => g.json.restart_count);
    assert.deepEqual(counts(x), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(counts(y), [0, 1, 2, 3, 4, 5]);
    await eventually(() => store.outbox.listForWebhook(w.id, 50).every((v) => v.status === 'delivered'), 5000, 'all delivered');
  });

  it('dead-letters a delivery after 8 failed attempts, then lets the next event of that deployment through', async () => {
    const r = await Receiver.start();
    r.respond = (req) => (req.json.restart_count === 0 ? 500 : 200);
    const w = subscribe(r);
    dispatcher({ backoffMs: () => 10 }, r);
    const d = deployment();
    const first = publishStatusChanged(store, d, { from: 'creating', to: 'error', restartCount: 0 });
    const second = publishStatusChanged(store, d, { from: 'error', to: 'running', restartCount: 1 });

    await r.waitFor(9, 10_000);
    await sleep(150);
    assert.deepEqual(r.received.map((x) => x.json.restart_count), [0, 0, 0, 0, 0, 0, 0, 0, 1], 'eight tries, then the next event');
    const dead = store.outbox.get(first.id)!;
    assert.equal(dead.status, 'dead');
    assert.equal(dead.attempts, 8);
    assert.equal(dead.last_error, 'HTTP 500');
    assert.equal(dead.next_attempt_at, null);
    assert.equal(store.outbox.get(second.id)!.status, 'delivered');
    assert.deepEqual(store.outbox.listForWebhook(w.id, 10).map((v) => [v.status, v.attempts]), [['delivered', 1], ['dead', 8]]);
  });

  it('retries only the subscriber that failed', async () => {
    const ok = await Receiver.start();
    const flaky = await Receiver.start();
    let failures = 2;
    flaky.respond = () => (failures-- > 0 ? 503 : 200);
    const okHook = subscribe(ok);
    const flakyHook = subscribe(flaky);
    dispatcher({}, ok, flaky);
    const e = publishScaled(store, deployment(), { direction: 'down', instanceCount: 1, replicas: 1 });

    await flaky.waitFor(3, 30_000);
    await eventually(() => store.outbox.get(e.id)!.status === 'delivered', 5000, 'event delivered');
    await sleep(100);
    assert.equal(ok.received.length, 1, 'the subscriber that acknowledged is not sent it again');
    assert.equal(flaky.received.length, 3);
    assert.equal(store.outbox.get(e.id)!.attempts, 3);
    assert.equal(store.outbox.listForWebhook(okHook.id, 5)[0]!.attempts, 1);
    assert.equal(store.outbox.listForWebhook(flakyHook.id, 5)[0]!.last_error, 'HTTP 503');
  });

  it('sends nothing more to a revoked webhook and cancels what it had pending', async () => {
    const live = await Receiver.start();
    const gone = await Receiver.start();
    gone.respond = () => 500;
    const goneHook = subscribe(gone);
    subscribe(live);
    dispatcher({ backoffMs: () => 50 }, live, gone);
    const d = deployment();
    publishStatusChanged(store, d, { from: 'creating', to: 'running', restartCount: 0 });
    await gone.waitFor(1, 30_000);

    store.tx(() => { store.webhooks.revoke(goneHook.id); store.outbox.cancelPending(goneHook.id, new Date().toISOString()); });
    publishStatusChanged(store, d, { from: 'running', to: 'deleted', restartCount: 0 });
    await live.waitFor(2, 30_000);
    await sleep(400); // many backoff periods
    assert.equal(gone.received.length, 1, 'nothing after the revoke, not even the retry');
    assert.deepEqual(store.outbox.listForWebhook(goneHook.id, 10).map((v) => v.status), ['cancelled']);
  });

  it('does not follow redirects', async () => {
    const target = await Receiver.start();
    const bouncer = await Receiver.start();
    bouncer.respond = () => ({ status: 302, headers: { location: target.url() } });
    const w = subscribe(bouncer);
    dispatcher({ backoffMs: () => 60_000 }, target, bouncer);
    publishScaled(store, deployment(), { direction: 'up', instanceCount: 1, replicas: 1 });
    await bouncer.waitFor(1, 30_000);
    await eventually(() => store.outbox.listForWebhook(w.id, 1)[0]!.last_error, 5000, 'the failure recorded');
    assert.equal(store.outbox.listForWebhook(w.id, 1)[0]!.last_error, 'HTTP 302');
    await sleep(100);
    assert.equal(target.received.length, 0);
  });

  it('refuses at delivery time a hostname that resolves to a loopback address', async (t) => {
    let name: string | undefined;
    for (const candidate of [hostname(), 'ip6-localhost', 'ip6-loopback']) {
      const addrs = await lookup(candidate, { all: true }).catch(() => []);
      if (addrs.length && addrs.every((a) => a.address.startsWith('127.') || a.address === '::1')) { name = candidate; break; }
    }
    if (!name) return t.skip('no non-"localhost" name resolves to loopback here');
    const r = await Receiver.start();
    // Written to the store directly: the API would accept this hostname (it does not resolve names).
    const w = store.webhooks.insert({ url: `http://${name}:${r.port}/hook`, secret: 's', events: [] });
    dispatcher({ policy: { allowLoopback: false }, backoffMs: () => 60_000 }, r);
    publishScaled(store, deployment(), { direction: 'up', instanceCount: 1, replicas: 1 });
    const v = await eventually(() => store.outbox.listForWebhook(w.id, 1)[0]?.last_error, 5000, 'the refusal');
    assert.match(v, new RegExp(`${name} resolves to (127\\.|::1)`));
    assert.equal(r.received.length, 0);
  });

  it('leaves an interrupted delivery pending on stop; the next dispatcher sends it again', async () => {
    const r = await Receiver.start();
    r.respond = () => 'hang';
    const w = subscribe(r);
    const first = dispatcher({}, r);
    const e = publishStatusChanged(store, deployment(), { from: 'creating', to: 'running', restartCount: 0 });
    await r.waitFor(1, 30_000);
    await first.stop();
    const row = store.outbox.listForWebhook(w.id, 1)[0]!;
    assert.deepEqual([row.status, row.attempts, row.last_error], ['pending', 0, null], 'the shutdown is not held against the receiver');

    r.respond = () => 200;
    dispatcher({}, r);
    await r.waitFor(2, 30_000);
    assert.equal(r.received[1]!.body, r.received[0]!.body);
    await eventually(() => store.outbox.get(e.id)!.status === 'delivered', 5000, 'delivered');
  });

  it('prunes settled events after their retention, never pending ones', () => {
    const d = deployment();
    const noSubscriber = publishScaled(store, d, { direction: 'up', instanceCount: 2, replicas: 2 });
    assert.equal(noSubscriber.status, 'delivered', 'no subscriber: delivered at once, as in Ring');
    store.webhooks.insert({ url: 'http://192.0.2.1/h', secret: 's', events: [] });
    const pending = publishScaled(store, d, { direction: 'up', instanceCount: 1, replicas: 1 });
    const future = new Date(Date.now() + 60_000).toISOString();
    const removed = store.outbox.prune({ deliveredBefore: future, deadBefore: future });
    assert.ok(removed >= 1);
    assert.equal(store.outbox.get(noSubscriber.id), undefined);
    assert.equal(store.outbox.get(pending.id)!.status, 'pending');
  });
});
