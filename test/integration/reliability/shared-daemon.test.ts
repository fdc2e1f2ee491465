// Two ring servers on one Docker daemon (staging and CI on one host; this project's own parallel
// test runs): separate databases, the same namespace and deployment names, both running. A restart,
// a delete and a namespace delete on one must leave the other's containers and network alone; each
// server's containers carry its database's id (`ring.server`). And a server upgraded in place keeps
// adopting the containers it made before server ids existed (no label), while a container labelled
// with another server's id is never counted, scaled down or removed, even under its deployment id.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Docker from 'dockerode';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { ChildServer, freePort } from './support/child-server.js';

const docker = new Docker();
const root = mkdtempSync(join(tmpdir(), 'ring-shared-'));
const ns = uniqueNamespace('shared');
const servers: ChildServer[] = [];
const stray: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(() => ensureTestImages(docker));
after(async () => {
  for (const s of servers) await s.kill('SIGKILL');
  for (const id of stray) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  await removeNamespaceArtifacts([ns], docker);
  rmSync(root, { recursive: true, force: true });
});

interface Ring { srv: ChildServer; token: string; dir: string; db: string }

async function startRing(name: string): Promise<Ring> {
  const dir = mkdtempSync(join(root, `${name}-`));
  const port = await freePort();
  const srv = await ChildServer.start({ dir, port });
  servers.push(srv);
  return { srv, token: await srv.adminToken(), dir, db: join(dir, 'ring.db') };
}

async function restart(r: Ring): Promise<Ring> {
  await r.srv.kill('SIGTERM');
  const srv = await ChildServer.start({ dir: r.dir, port: r.srv.opts.port });
  servers.push(srv);
  return { ...r, srv, token: await srv.adminToken() };
}

function serverIdOf(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare("SELECT value FROM server_meta WHERE key = 'server_id'").get() as { value: string }).value;
  } finally {
    db.close();
  }
}

async function apply(r: Ring, name: string, replicas: number): Promise<string> {
  const res = await r.srv.request('POST', '/deployments', {
    token: r.token,
    body: { name, namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, replicas, config: { image_pull_policy: 'Never' } },
  });
  assert.ok(res.status === 200 || res.status === 201, `${res.status} ${res.text}`);
  return res.json.id as string;
}

/** Polls until check() holds; the generous timeout is for a loaded machine, not a speed claim. */
async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, ms = 180_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** The running instance ids the server reports for a deployment, once it is running with `n`. */
async function runningInstances(r: Ring, id: string, n: number): Promise<string[]> {
  let last = '';
  return until(`${id} running with ${n} instance(s) on ${r.srv.url}`, async () => {
    const d = await r.srv.request('GET', `/deployments/${id}`, { token: r.token });
    const ids = (d.json?.instances ?? []).map((i: { id: string }) => i.id).sort();
    last = `${d.status} ${d.json?.status} ${ids.length} instance(s)`;
    return d.json?.status === 'running' && ids.length === n ? ids as string[] : null;
  }).catch(async (e: Error) => {
    const evs = (await r.srv.request('GET', `/deployments/${id}/events?limit=20`, { token: r.token }).catch(() => null))?.json;
    throw new Error(`${e.message} (last seen: ${last})\nevents: ${JSON.stringify(evs)}\n${r.srv.output.slice(-3000)}`);
  });
}

async function containersLabelled(deploymentId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`ring_deployment=${deploymentId}`] } });
}

async function eventReasons(r: Ring, id: string): Promise<string[]> {
  const res = await r.srv.request('GET', `/deployments/${id}/events?limit=1000`, { token: r.token });
  return (res.json as { reason: string }[]).map((e) => e.reason);
}

/**
 * Lets a server work for a while before "nothing happened" is checked: its runtime-stats refresh
 * (a list() at the scheduler interval, 1 s here, like the reconciler's tick) moves on by 3 s.
 */
async function passes(r: Ring): Promise<void> {
  const refresh = async () => {
    const m = await r.srv.request('GET', '/metrics', { token: r.token });
    return Number(/^ring_runtime_last_refresh_seconds (\S+)$/m.exec(m.text)?.[1] ?? 0);
  };
  const first = await refresh();
  await until('three seconds of stats refreshes', async () => (await refresh()) >= first + 3);
}

describe('two ring servers sharing one Docker daemon', () => {
  test('a restart, a delete and a namespace delete on one leave the other untouched', { timeout: 6 * 60_000 }, async () => {
    let a = await startRing('a');
    const b = await startRing('b');
    // At the same moment: two servers creating `ring_<ns>` together can get two networks of that
    // name from Docker (its duplicate check is not atomic); each server folds them into the oldest
    // (resolveDuplicateNetworks), so both deployments still come up.
    const [idA, idB] = await Promise.all([apply(a, 'web', 2), apply(b, 'web', 2)]);
    const [ownA, ownB] = await Promise.all([runningInstances(a, idA, 2), runningInstances(b, idB, 2)]);
    const [serverA, serverB] = [serverIdOf(a.db), serverIdOf(b.db)];
    assert.notEqual(serverA, serverB, 'each database has its own id');

    // Same namespace, same name: distinct containers, each labelled with its server.
    assert.deepEqual(ownA.filter((x) => ownB.includes(x)), []);
    for (const [dep, server, own] of [[idA, serverA, ownA], [idB, serverB, ownB]] as const) {
      const cs = await containersLabelled(dep);
      assert.deepEqual(cs.map((c) => c.Id).sort(), own);
      assert.ok(cs.every((c) => c.Labels['ring.server'] === server && c.Names[0]!.startsWith(`/${ns}_web_`)), JSON.stringify(cs.map((c) => c.Labels)));
    }

    // A restarted server adopts its own containers and creates or removes nothing of the other's.
    a = await restart(a);
    await passes(a);
    assert.deepEqual(await runningInstances(a, idA, 2), ownA, 'A re-adopted its own containers');
    assert.deepEqual(await runningInstances(b, idB, 2), ownB);

    // A delete on A removes A's containers only; the shared namespace network stays, B on it.
    assert.equal((await a.srv.request('DELETE', `/deployments/${idA}`, { token: a.token })).status, 204);
    await until('A purged its deployment', async () => (await a.srv.request('GET', `/deployments/${idA}`, { token: a.token })).status === 404);
    assert.deepEqual(await containersLabelled(idA), []);
    const nsRow = (await a.srv.request('GET', '/namespaces', { token: a.token })).json.find((n: { name: string }) => n.name === ns);
    assert.equal((await a.srv.request('DELETE', `/namespaces/${nsRow.id}`, { token: a.token })).status, 204);
    await passes(a);
    await passes(b);
    const net = await docker.getNetwork(`ring_${ns}`).inspect();
    assert.deepEqual(Object.keys(net.Containers ?? {}).filter((c) => ownB.includes(c)).sort(), ownB, "B's containers are still on the namespace network");
    const stillB = await containersLabelled(idB);
    assert.deepEqual(stillB.filter((c) => c.State === 'running').map((c) => c.Id).sort(), ownB, "B's containers kept running, none replaced");
    assert.deepEqual(await runningInstances(b, idB, 2), ownB);
    const reasons = await eventReasons(b, idB);
    assert.ok(!reasons.some((x) => /died|oom|killed|restart/.test(x)), `B saw nothing die: ${reasons.join(', ')}`);
  });

  test('an upgraded server adopts its unlabelled containers and ignores one labelled with another server', { timeout: 6 * 60_000 }, async () => {
    let c = await startRing('c');
    const id = await apply(c, 'legacy', 1);
    const [made] = await runningInstances(c, id, 1);
    await c.srv.kill('SIGTERM');

    // What a server from before server ids left behind: the same container, without ring.server.
    const info = await docker.getContainer(made!).inspect();
    const { ['ring.server']: _dropped, ...oldLabels } = info.Config.Labels;
    const legacy = await docker.createContainer({
      name: `${ns}_legacy_${randomBytes(4).toString('hex')}`, Image: info.Config.Image, Cmd: info.Config.Cmd, Labels: oldLabels,
      HostConfig: { NetworkMode: `ring_${ns}`, RestartPolicy: { Name: 'no' } },
    });
    stray.push(legacy.id);
    await legacy.start();
    await docker.getContainer(made!).remove({ force: true });
    // …and a container of another server that happens to carry the same deployment id.
    const foreign = await docker.createContainer({
      Image: BUSYBOX_IMAGE, Cmd: ['/bin/sleep', '3600'], Labels: { ...oldLabels, 'ring.server': 'ffffffffffffffff' },
      HostConfig: { NetworkMode: 'none' },
    });
    stray.push(foreign.id);
    await foreign.start();
    // The database as the old server left it: schema 6, no server id.
    const db = new Database(c.db);
    db.exec('DROP TABLE server_meta');
    db.pragma('user_version = 6');
    db.close();

    c = await restart(c);
    const upgraded = serverIdOf(c.db);
    await passes(c);
    assert.deepEqual(await runningInstances(c, id, 1), [legacy.id], 'the unlabelled container is adopted, not replaced');

    // Scale to 2: one new container joins the adopted one; the foreign one is not counted.
    await apply(c, 'legacy', 2);
    const two = await runningInstances(c, id, 2);
    assert.ok(two.includes(legacy.id));
    const added = two.find((x) => x !== legacy.id)!;
    assert.equal((await docker.getContainer(added).inspect()).Config.Labels['ring.server'], upgraded);
    await passes(c);
    const all = (await containersLabelled(id)).map((x) => `${x.Id === foreign.id ? 'foreign' : x.Id === legacy.id ? 'legacy' : 'new'}:${x.State}`).sort();
    assert.deepEqual(all, ['foreign:running', 'legacy:running', 'new:running']);

    // A delete removes what the server owns, adopted container included, and leaves the foreign one.
    assert.equal((await c.srv.request('DELETE', `/deployments/${id}`, { token: c.token })).status, 204);
    await until('the deployment purged', async () => (await c.srv.request('GET', `/deployments/${id}`, { token: c.token })).status === 404);
    const left = await containersLabelled(id);
    assert.deepEqual(left.map((x) => [x.Id, x.State]), [[foreign.id, 'running']]);
  });
});
