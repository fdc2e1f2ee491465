// The reconciler against the real Docker engine, a real ring.db and the real DockerRuntime: every
// status of the lifecycle that Docker can provoke, crash recovery latency, and adoption after a
// restart. Each test has its own `rc-<hex>` namespace; afterEach removes its containers and its
// ring_<ns> network (the engine runs out of address pools after ~30 networks).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import type { Status } from '../../../src/domain/status.js';
import { Reconciler } from '../../../src/reconciler/loop.js';
import { DEPLOYMENT_LABEL, createDockerRuntime } from '../../../src/runtime/docker/index.js';
import type { CreatedInstance, InstanceSpec } from '../../../src/runtime/runtime.js';
import { createStore, openDatabase, type Store } from '../../../src/store/index.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';

const docker = new Docker();
const dir = mkdtempSync(join(tmpdir(), 'ring-rc-'));

interface Ctx {
  ns: string;
  dbPath: string;
  store: Store;
  rec: Reconciler;
  /** Successful creates per deployment id (containers this reconciler made). */
  creates: Map<string, number>;
  closers: (() => Promise<void> | void)[];
}
let current: Ctx | null = null;

function makeReconciler(store: Store, creates: Map<string, number>): Reconciler {
  const rt = createDockerRuntime('unix:///var/run/docker.sock');
  const create = rt.create.bind(rt);
  rt.create = async (spec: InstanceSpec, signal?: AbortSignal): Promise<CreatedInstance> => {
    const r = await create(spec, signal);
    creates.set(spec.deploymentId, (creates.get(spec.deploymentId) ?? 0) + 1);
    return r;
  };
  return new Reconciler({ store, runtimes: new Map([['docker', rt]]), intervalMs: 1000, applyTimeoutMs: 120_000 });
}

function setup(): Ctx {
  const ns = uniqueNamespace('rc');
  const dbPath = join(dir, `${ns}.db`);
  const store = createStore(openDatabase(dbPath));
  const creates = new Map<string, number>();
  const rec = makeReconciler(store, creates);
  const c: Ctx = { ns, dbPath, store, rec, creates, closers: [() => rec.stop(), () => void store.db.close()] };
  current = c;
  return c;
}

afterEach(async () => {
  const c = current;
  current = null;
  if (!c) return;
  for (const close of c.closers) await close();
  await removeNamespaceArtifacts([c.ns], docker);
});

before(async () => {
  await ensureTestImages(docker);
});

after(() => rmSync(dir, { recursive: true, force: true }));

function spec(ns: string, over: Partial<DeploymentSpec> = {}): DeploymentSpec {
  return {
    name: 'web', namespace: ns, runtime: 'docker', kind: 'worker', image: BUSYBOX_IMAGE, replicas: 1, command: [],
    environment: {}, labels: {}, ports: [], volumes: [], config: { image_pull_policy: 'IfNotPresent' }, health_checks: [],
    ...over,
  };
}

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs: number, everyMs = 50): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function containers(id: string, all = false): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all, filters: { label: [`${DEPLOYMENT_LABEL}=${id}`] } });
}

function status(c: Ctx, id: string): Status | undefined {
  return c.store.deployments.get(id)?.status;
}

async function waitStatus(c: Ctx, id: string, want: Status, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await until(`status ${want} (now ${status(c, id)})`, () => status(c, id) === want, timeoutMs, 20);
  return Date.now() - t0;
}

describe('reconciler on Docker', () => {
  test('a worker runs, scales up and down, and a scale-down is not a crash', async () => {
    const c = setup();
    const d = c.store.deployments.insert(spec(c.ns, { replicas: 2 }), { status: 'creating' });
    c.rec.start();
    const ms = await waitStatus(c, d.id, 'running', 30_000);
    console.log(`# creating → running (2 replicas) in ${ms} ms`);
    const two = await containers(d.id);
    assert.equal(two.length, 2);
    for (const info of two) assert.match(info.Names[0]!, new RegExp(`^/${c.ns}_web_[0-9a-f]{8}$`));

    c.store.deployments.setReplicas(d.id, 3);
    c.rec.wake(d.id);
    await until('3 containers', async () => (await containers(d.id)).length === 3, 20_000);

    c.store.deployments.setReplicas(d.id, 1);
    c.rec.wake(d.id);
    await until('1 container', async () => (await containers(d.id, true)).length === 1, 20_000);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await containers(d.id, true)).length, 1, 'stays at one');
    const row = c.store.deployments.get(d.id)!;
    assert.equal(row.restart_count, 0);
    assert.equal(row.status, 'running');
    const reasons = c.store.events.list(d.id, { limit: 100 }).map((e) => e.reason);
    assert.ok(!reasons.includes('container_died') && !reasons.includes('container_crashed'), reasons.join());
  });

  test('docker kill: the container is replaced and counted exactly once', async () => {
    const c = setup();
    const d = c.store.deployments.insert(spec(c.ns), { status: 'creating' });
    c.rec.start();
    await waitStatus(c, d.id, 'running', 30_000);
    const [old] = await containers(d.id);
    assert.ok(old);
    // How fast is bench/docker-latency.ts's business; here only that it happens.
    await docker.getContainer(old.Id).kill();
    const fresh = await until('a replacement', async () => (await containers(d.id)).find((i) => i.Id !== old.Id && i.State === 'running'), 60_000);
    assert.ok(fresh);
    await until('restart_count 1', () => c.store.deployments.get(d.id)!.restart_count === 1, 30_000);
    const t1 = Date.now();
    while (Date.now() - t1 < 3000) {
      assert.equal(c.store.deployments.get(d.id)!.restart_count, 1, 'restart_count stays 1');
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status(c, d.id), 'running');
    assert.equal((await containers(d.id, true)).length, 1, 'the killed container is removed');
    const events = c.store.events.list(d.id, { limit: 100 });
    assert.ok(events.some((e) => e.reason === 'container_died' && e.component === 'docker-events'));
    assert.equal(events.filter((e) => e.reason === 'container_crashed').length, 1);
  });

  test('a job exiting 0 completes, runs exactly once and keeps its container', async () => {
    const c = setup();
    const d = c.store.deployments.insert(spec(c.ns, { kind: 'job', name: 'ok', command: ['sh', '-c', 'echo done; exit 0'] }), { status: 'creating' });
    c.rec.start();
    await waitStatus(c, d.id, 'completed', 30_000);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(status(c, d.id), 'completed');
    assert.equal(c.creates.get(d.id), 1);
    const all = await containers(d.id, true);
    assert.equal(all.length, 1);
    assert.equal(all[0]!.State, 'exited');
    assert.equal(c.store.deployments.get(d.id)!.restart_count, 0);
  });

  test('a job exiting 3 fails without a retry', async () => {
    const c = setup();
    const d = c.store.deployments.insert(spec(c.ns, { kind: 'job', name: 'bad', command: ['sh', '-c', 'exit 3'] }), { status: 'creating' });
    c.rec.start();
    await waitStatus(c, d.id, 'failed', 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(status(c, d.id), 'failed');
    assert.equal(c.creates.get(d.id), 1);
  });

  test('a worker that exits 1 at once ends in crash_loop_back_off with at most 10 containers', async () => {
    const c = setup();
    const d = c.store.deployments.insert(spec(c.ns, { name: 'crasher', command: ['sh', '-c', 'exit 1'] }), { status: 'creating' });
    c.rec.start();
    const ms = await waitStatus(c, d.id, 'crash_loop_back_off', 90_000);
    console.log(`# exit-1 worker → crash_loop_back_off in ${ms} ms, ${c.creates.get(d.id)} containers created`);
    const row = c.store.deployments.get(d.id)!;
    assert.equal(row.restart_count, 5);
    const made = c.creates.get(d.id) ?? 0;
    assert.ok(made >= 1 && made <= 10, `${made} containers created`);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(c.creates.get(d.id), made, 'nothing new is created in crash_loop_back_off');
    assert.equal((await containers(d.id)).length, 0, 'nothing runs');
    assert.equal(status(c, d.id), 'crash_loop_back_off');
  });

  test('an absent image with policy Never is image_pull_back_off, retried with backoff until the budget is spent', async () => {
    const c = setup();
    const image = `ring-test/absent-${randomBytes(4).toString('hex')}:1`;
    const d = c.store.deployments.insert(spec(c.ns, { image, config: { image_pull_policy: 'Never' } }), { status: 'creating' });
    c.rec.start();
    await waitStatus(c, d.id, 'image_pull_back_off', 60_000);
    const ev = c.store.events.list(d.id, { limit: 20 }).find((e) => e.reason === 'image_pull_back_off')!;
    assert.equal(ev.component, 'docker');
    assert.equal(ev.message, `Image '${image}' not found: image '${image}' not in local cache and image_pull_policy=Never forbids pulling`);
    const ms = await waitStatus(c, d.id, 'crash_loop_back_off', 60_000);
    console.log(`# image_pull_back_off → crash_loop_back_off after ${ms} ms more`);
    assert.equal(c.store.deployments.get(d.id)!.restart_count, 5);
    assert.equal((await containers(d.id, true)).length, 0);
  });

  test('a memory request the host cannot meet is insufficient_resources, terminal, count untouched', async () => {
    const c = setup();
    const d = c.store.deployments.insert(spec(c.ns, { resources: { requests: { memory: '1Ti' } } }), { status: 'creating' });
    c.rec.start();
    await waitStatus(c, d.id, 'insufficient_resources', 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(status(c, d.id), 'insufficient_resources');
    assert.equal(c.store.deployments.get(d.id)!.restart_count, 0);
    assert.equal((await containers(d.id, true)).length, 0);
    const ev = c.store.events.list(d.id, { limit: 20 }).find((e) => e.reason === 'insufficient_resources')!;
    assert.match(ev.message, /^insufficient host memory for 'web': needs 1048576 MiB but only \d+ MiB is available/);
  });

  test('a deleted worker loses every container, then its row', async () => {
    const c = setup();
    const d = c.store.deployments.insert(spec(c.ns, { replicas: 2 }), { status: 'creating' });
    c.rec.start();
    await waitStatus(c, d.id, 'running', 30_000);
    c.store.deployments.setStatus(d.id, 'deleted');
    const t0 = Date.now();
    c.rec.wake(d.id);
    await until('no container', async () => (await containers(d.id, true)).length === 0, 20_000);
    await until('purged', () => c.store.deployments.get(d.id) === undefined, 10_000);
    console.log(`# delete → containers removed and row purged in ${Date.now() - t0} ms`);
    assert.equal(c.store.events.list(d.id, { limit: 10 }).length, 0);
  });

  test('a new reconciler on the same database adopts the running containers, never duplicating them', async () => {
    const c = setup();
    const d = c.store.deployments.insert(spec(c.ns, { replicas: 2 }), { status: 'creating' });
    c.rec.start();
    await waitStatus(c, d.id, 'running', 30_000);
    await until('2 containers', async () => (await containers(d.id)).length === 2, 10_000);
    const before = (await containers(d.id)).map((i) => i.Id).sort();
    await c.rec.stop();
    c.store.db.close();

    // "Restart": a fresh store on the same file, a fresh reconciler with empty memory.
    const store = createStore(openDatabase(c.dbPath));
    const creates = new Map<string, number>();
    const rec = makeReconciler(store, creates);
    c.closers.push(() => rec.stop(), () => void store.db.close());
    rec.start();
    let max = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 3500) {
      max = Math.max(max, (await containers(d.id, true)).length);
      await new Promise((r) => setTimeout(r, 100));
    }
    const afterIds = (await containers(d.id)).map((i) => i.Id).sort();
    assert.deepEqual(afterIds, before, 'the same containers');
    assert.equal(max, 2, 'never more than 2');
    assert.equal(creates.get(d.id) ?? 0, 0);
    assert.equal(store.deployments.get(d.id)!.status, 'running');
  });
});
