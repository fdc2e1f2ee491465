// Runtime faults (issue 9): the Docker daemon under a running `ring server` stops (and comes back),
// or freezes. On a private dockerd, never the shared one. While it is gone the server stays up,
// every API call answers before Docker returns, the deployments say `error` with the daemon's
// words, writes are still accepted; once it is back everything converges within two ticks with no
// restart counted, and the event stream is live again. A container removed or stopped behind
// ring's back is recreated.
//
// `npm test`: an 8 s outage; RING_RELIABILITY_LONG=1: 20 s, as the issue asks.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { uniqueNamespace } from '../../helpers/namespaces.js';
import { ChildServer, freePort } from './support/child-server.js';
import { waitForConvergence } from './support/docker-view.js';
import { copyImages, startPrivateDockerd, type PrivateDockerd } from '../../helpers/private-dockerd.js';

const LONG = process.env.RING_RELIABILITY_LONG === '1';
const OUTAGE_MS = LONG ? 20_000 : 8_000;
const TICK_S = 3;
const dir = mkdtempSync(join(tmpdir(), 'ring-outage-'));
const ns = uniqueNamespace('outage');
let server: ChildServer | null = null;
let dockerd: PrivateDockerd | null = null;

after(async () => {
  await server?.kill('SIGKILL');
  await dockerd?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Calls the API in a loop while `running()`; every call must answer, and before Docker is back. */
async function probeWhile(srv: ChildServer, token: string, paths: string[], running: () => boolean): Promise<{ slow: string[]; calls: number; maxMs: number }> {
  const slow: string[] = [];
  let calls = 0;
  let maxMs = 0;
  while (running()) {
    for (const p of paths) {
      const t0 = Date.now();
      try {
        const r = await srv.request('GET', p, { token, timeoutMs: OUTAGE_MS });
        if (r.status !== 200) slow.push(`${p} → ${r.status} ${r.text.slice(0, 200)}`);
      } catch (e) {
        slow.push(`${p}: no answer within ${OUTAGE_MS} ms (${(e as Error).message})`);
      }
      maxMs = Math.max(maxMs, Date.now() - t0);
      calls++;
    }
    await sleep(250);
  }
  return { slow, calls, maxMs };
}

test(`a ${OUTAGE_MS / 1000} s Docker outage: the API stays up, deployments report it, everything converges when it returns`, { timeout: 6 * 60_000 }, async (t) => {
  // Its own address pool and containerd namespaces: nothing it makes shares a name with the shared engine's.
  const d = await startPrivateDockerd({ pool: '10.213.0.0/16', containerdNamespace: 'ring-rel' });
  if ('skip' in d) {
    t.diagnostic(`skipped: ${d.skip}`);
    t.skip(d.skip);
    return;
  }
  dockerd = d;
  await ensureTestImages();
  await copyImages(d, [BUSYBOX_IMAGE]);

  server = await ChildServer.start({ dir, port: await freePort(), dockerHost: d.host, env: { RING_SCHEDULER_INTERVAL: String(TICK_S) } });
  const srv = server;
  const token = await srv.adminToken();
  const deploy = async (name: string, replicas: number) => {
    const r = await srv.request('POST', '/deployments', {
      token, body: { name, namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, replicas, config: { image_pull_policy: 'Never' } },
    });
    assert.equal(r.status, 201, r.text);
    return r.json.id as string;
  };
  const get = async (id: string) => (await srv.request('GET', `/deployments/${id}`, { token })).json;
  const events = async (id: string) => (await srv.request('GET', `/deployments/${id}/events?limit=200`, { token })).json as { reason: string; message: string; component: string }[];
  const active = new Map<string, number>();
  const web = await deploy('web', 2);
  const side = await deploy('side', 1);
  active.set(web, 2).set(side, 1);
  const before = await waitForConvergence(d.client, ns, () => active, 60_000);
  assert.ok(before.ok, before.problems.join('\n'));
  await until('both running', async () => (await get(web)).status === 'running' && (await get(side)).status === 'running', 30_000);

  // ---- the outage ----------------------------------------------------------------------------
  await d.stop();
  const downAt = Date.now();
  let dockerBack = false;
  const probing = probeWhile(srv, token, ['/healthz', `/deployments?namespace=${ns}`, `/deployments/${web}`, `/deployments/${web}/events`], () => !dockerBack);

  let late: string;
  let backAt: number;
  try {
    const reported = await until('the deployments to report the outage', async () => {
      const [a, b] = [await get(web), await get(side)];
      if (a.status !== 'error' || b.status !== 'error') return undefined;
      return (await events(web)).find((e) => e.reason === 'runtime_unavailable');
    }, OUTAGE_MS).catch((e: Error) => { throw new Error(`${e.message}\n${srv.output.slice(-4000)}`); });
    assert.match(reported.message, /docker runtime cannot be reached/i);

    // Desired state is still accepted while the runtime is away, and acted on when it returns.
    late = await deploy('late', 1);
    active.set(late, 1);
    assert.equal((await srv.request('DELETE', `/deployments/${side}`, { token })).status, 204);
    active.delete(side);

    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
    assert.equal(srv.exitCode, undefined, `the server died during the outage:\n${srv.output.slice(-2000)}`);
    await d.start();
    backAt = Date.now();
  } finally {
    dockerBack = true;
  }
  const probes = await probing;
  assert.deepEqual(probes.slow, [], 'every API call answered 200 while Docker was down');
  assert.ok(probes.calls >= 8, `only ${probes.calls} calls made during the outage`);

  // ---- the return ------------------------------------------------------------------------------
  const after = await waitForConvergence(d.client, ns, () => active, 120_000);
  const convergedMs = Date.now() - backAt;
  assert.ok(after.ok, `not converged after Docker's return:\n${after.problems.join('\n')}\n${srv.output.slice(-3000)}`);
  await until('web and late running', async () => (await get(web)).status === 'running' && (await get(late)).status === 'running', 30_000);
  const statusMs = Date.now() - backAt;
  assert.equal((await srv.request('GET', `/deployments/${side}`, { token })).status, 404, 'the delete made during the outage was carried out');
  for (const id of [web, late!]) {
    const evs = (await events(id)).map((e) => `${e.component} ${e.reason}: ${e.message}`).reverse().join('\n');
    assert.equal((await get(id)).restart_count, 0, `containers the outage stopped are not counted as crashes; events:\n${evs}`);
  }
  const webReasons = (await events(web)).map((e) => e.reason);
  assert.ok(webReasons.includes('runtime_available'), webReasons.join(', '));
  assert.ok(webReasons.includes('instance_lost_with_runtime'), webReasons.join(', '));

  // The event stream is subscribed again: a kill is reported by it (component docker-events).
  const [victim] = await d.client.listContainers({ filters: { label: [`ring_deployment=${web}`] } });
  await d.client.getContainer(victim!.Id).kill();
  await until('the kill to arrive through the event stream', async () =>
    (await events(web)).some((e) => e.component === 'docker-events' && e.message.includes(victim!.Id.slice(0, 12))), 30_000);

  // Behind ring's back: a removed container and a stopped one are both replaced.
  const [removed] = await d.client.listContainers({ filters: { label: [`ring_deployment=${late}`] } });
  await d.client.getContainer(removed!.Id).remove({ force: true });
  const [stopped] = (await d.client.listContainers({ filters: { label: [`ring_deployment=${web}`] } })).filter((c) => c.Id !== victim!.Id);
  await d.client.getContainer(stopped!.Id).stop({ t: 1 });
  const healed = await waitForConvergence(d.client, ns, () => active, 60_000);
  assert.ok(healed.ok, `not recreated:\n${healed.problems.join('\n')}`);
  await until('web and late running', async () => (await get(web)).status === 'running' && (await get(late!)).status === 'running', 60_000);
  const ids = new Set((await d.client.listContainers({ all: true, filters: { label: [`ring.namespace=${ns}`] } })).map((c) => c.Id));
  for (const c of [victim!, removed!, stopped!]) assert.ok(!ids.has(c.Id), `${c.Id.slice(0, 12)} was replaced, not kept`);

  // ---- a wedged daemon: accepts connections, answers nothing -----------------------------------
  const running = new Set((await d.client.listContainers({ filters: { label: [`ring.namespace=${ns}`] } })).map((c) => c.Id));
  const counts = [(await get(web)).restart_count, (await get(late!)).restart_count];
  d.freeze();
  let thawed = false;
  let frozenProbes: Awaited<ReturnType<typeof probeWhile>>;
  try {
    const probingFrozen = probeWhile(srv, token, ['/healthz', `/deployments?namespace=${ns}`, `/deployments/${web}`], () => !thawed);
    await sleep(OUTAGE_MS);
    assert.equal(srv.exitCode, undefined, `the server died while Docker was frozen:\n${srv.output.slice(-2000)}`);
    thawed = true;
    frozenProbes = await probingFrozen;
  } finally {
    thawed = true;
    d.thaw();
  }
  assert.deepEqual(frozenProbes.slow, [], 'every API call answered while Docker was frozen');
  await until('running after the freeze', async () => (await get(web)).status === 'running' && (await get(late!)).status === 'running', 60_000);
  const afterFreeze = await waitForConvergence(d.client, ns, () => active, 60_000);
  assert.ok(afterFreeze.ok, afterFreeze.problems.join('\n'));
  const still = new Set((await d.client.listContainers({ filters: { label: [`ring.namespace=${ns}`] } })).map((c) => c.Id));
  assert.deepEqual([...still].sort(), [...running].sort(), 'a frozen daemon\'s containers kept running and were kept');
  // No restart counted: a count never grows. It may drop to 0 — the healthy window (10 s without a
  // failure) forgives the two restarts above, and a 20 s freeze on a slow machine outlasts it — but
  // only with that window's own event.
  for (const [i, id] of [web, late!].entries()) {
    const now = (await get(id)).restart_count as number;
    assert.ok(now <= counts[i]!, `the freeze counted a restart of ${id}: ${counts[i]} → ${now}`);
    if (now < counts[i]!) {
      assert.equal(now, 0);
      assert.ok((await events(id)).some((e) => e.reason === 'restart_count_reset'), `${id}: ${counts[i]} → 0 without a restart_count_reset event`);
    }
  }

  t.diagnostic(`Docker frozen ${OUTAGE_MS / 1000} s: ${frozenProbes.calls} API calls, slowest ${frozenProbes.maxMs} ms`);
  t.diagnostic(`Docker down ${Math.round((backAt - downAt) / 1000)} s; ${probes.calls} API calls during it, slowest ${probes.maxMs} ms; ` +
    `converged ${convergedMs} ms after Docker's return (statuses running after ${statusMs} ms; tick ${TICK_S} s)`);
  // The bound catches a server that holds back after the return (a back-off or a stuck pass would
  // take minutes; a counted restart is asserted above); how fast Docker starts the containers is the
  // machine's speed: a host at load average ~40 took 31 s, so the daemon gets 60 s of it.
  assert.ok(convergedMs <= 2 * TICK_S * 1000 + 60_000, `converged ${convergedMs} ms after Docker's return: more than two ticks (${TICK_S} s) plus 60 s for the daemon to start the containers`);
  await srv.kill('SIGTERM');
  server = null;
});
