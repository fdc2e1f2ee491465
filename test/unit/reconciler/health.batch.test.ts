// The prober's batched writes (health.ts record()/flush()): results of one flush window share one
// transaction; a result that fires on_failure is written at once, with the action's change, in a
// transaction of its own after the batch before it; stop() writes what was taken; a deployment
// purged before the flush gets no orphan rows. Driven directly (no reconciler), over a real store.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Deployment, DeploymentSpec, HealthCheckSpec } from '../../../src/domain/deployment.js';
import { HealthProber, type HealthProberDeps } from '../../../src/reconciler/health.js';
import type { Instance, Runtime } from '../../../src/runtime/runtime.js';
import type { NewEvent } from '../../../src/store/events.js';
import { createStore, openDatabase, type Store } from '../../../src/store/index.js';
import { until } from '../../helpers/until.js';

function spec(i: number, check: HealthCheckSpec): DeploymentSpec {
  return {
    name: `web-${i}`, namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 1, command: [],
    environment: {}, labels: {}, ports: [], volumes: [], config: { image_pull_policy: 'IfNotPresent' }, health_checks: [check],
  };
}

/** A command check that probes once at once, then not again within the test (interval 1 h). */
const once = (command: string, over: Partial<HealthCheckSpec> = {}): HealthCheckSpec =>
  ({ type: 'command', command, interval: '1h', timeout: '1s', threshold: 1, on_failure: 'alert', ...over });

interface Harness {
  store: Store; prober: HealthProber; deployments: Deployment[]; execs: () => number;
  /** store.tx() calls since the harness was made (each is one SQLite transaction). */
  txs: () => number;
  events: { id: string; e: NewEvent }[];
}
const open: HealthProber[] = [];
afterEach(() => { while (open.length) open.pop()!.stop(); });

/** n running deployments, one instance each, probed by `checkOf(i)`; exit code per command from `exit`. */
function harness(n: number, checkOf: (i: number) => HealthCheckSpec, exit: (command: string) => number,
  over: Partial<HealthProberDeps> = {}): Harness {
  const store = createStore(openDatabase(':memory:'));
  const deployments = Array.from({ length: n }, (_, i) => store.deployments.insert(spec(i, checkOf(i)), { status: 'running' }));
  let execs = 0;
  const runtime = { name: 'docker', exec: async (_id: string, argv: string[]) => { execs++; return { exitCode: exit(argv.join(' ')), output: '' }; } } as unknown as Runtime;
  let txs = 0;
  const tx = store.tx.bind(store);
  store.tx = <T>(fn: () => T): T => { txs++; return tx(fn); };
  const events: Harness['events'] = [];
  const prober = new HealthProber({
    store, runtimes: new Map([['docker', runtime]]), wake: () => {}, restartInstance: async () => {},
    hooks: { onDeploymentEvent: (d, e) => void events.push({ id: d.id, e }) }, ...over,
  });
  open.push(prober);
  const t = Date.now() - 60_000;
  const instances = new Map<string, Instance[]>(deployments.map((d, i) => [d.id, [{
    id: `inst-${i}`, name: `ns_web-${i}_0000000${i}`, deploymentId: d.id, state: 'running', exitCode: null, oomKilled: false,
    createdAt: t, startedAt: t, finishedAt: null, address: '10.0.0.1',
  }]]));
  prober.observe(deployments, (id) => instances.get(id) ?? []);
  return { store, prober, deployments, execs: () => execs, txs: () => txs, events };
}

const rowsOf = (h: Harness, id: string) => h.store.healthChecks.list(id, { limit: 100 });
const allRows = (h: Harness): number => (h.store.db.prepare('SELECT COUNT(*) AS c FROM health_check').get() as { c: number }).c;

describe('health prober: batched result writes', () => {
  test('the results of one flush window are written in one transaction, after the window', async () => {
    const h = harness(20, () => once('ok'), () => 0, { flushMs: 300 });
    await until('20 results taken', () => h.prober.unwritten === 20);
    assert.equal(allRows(h), 0, 'the history lags by the window');
    assert.equal(h.txs(), 0, 'no transaction per result');
    await until('the batch written', () => allRows(h) === 20);
    assert.equal(h.txs(), 1, 'one transaction for the whole batch');
    assert.equal(h.prober.flushes, 1);
    assert.equal(h.prober.unwritten, 0);
    for (const d of h.deployments) assert.equal(rowsOf(h, d.id)[0]!.status, 'success');
  });

  test('a result that fires on_failure is written at once with its event, after the batch before it', async () => {
    // Deployments 0–9 pass; 10 fails at threshold 1 once the others have been taken.
    const h = harness(11, (i) => once(i === 10 ? 'bad' : 'ok'), (c) => (c === 'bad' ? 1 : 0), { flushMs: 60_000 });
    const bad = h.deployments[10]!;
    await until('the alert', () => h.events.some((x) => x.id === bad.id && x.e.reason === 'health_check_alert'));
    // The window is a minute: only the action flushed what was taken before it.
    const failed = rowsOf(h, bad.id);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.message, 'Command exited 1');
    const alert = h.store.events.list(bad.id, { limit: 10 }).find((e) => e.reason === 'health_check_alert');
    assert.ok(alert, 'the event is stored');
    // The ten passing probes were taken first (same timer turn, earlier in the queue): flushed ahead of the action.
    for (const d of h.deployments.slice(0, 10)) assert.equal(rowsOf(h, d.id).length, 1);
    assert.equal(h.prober.unwritten, 0);
  });

  test('the result and the action change are one transaction: a failing change writes neither, the batch before it stays', async () => {
    let taken = 0;
    const h = harness(6, (i) => once(i === 5 ? 'bad' : 'ok'), (c) => { taken++; return c === 'bad' ? 1 : 0; }, {
      flushMs: 60_000,
      hooks: { onDeploymentEvent: (_d, e) => { if (e.reason === 'health_check_alert') throw new Error('event hook failed'); } },
    });
    await until('every probe ran', () => taken === 6 && h.execs() === 6);
    await until('the passing results settled', () => h.prober.unwritten + allRows(h) === 5);
    h.prober.stop();
    const bad = h.deployments[5]!;
    assert.equal(rowsOf(h, bad.id).length, 0, 'the failed result rolled back with its action');
    assert.equal(h.store.events.list(bad.id, { limit: 10 }).filter((e) => e.reason === 'health_check_alert').length, 0);
    for (const d of h.deployments.slice(0, 5)) assert.equal(rowsOf(h, d.id).length, 1, 'the passing results are kept');
  });

  test('stop() writes the results already taken; nothing is recorded after it', async () => {
    const h = harness(8, () => once('ok'), () => 0, { flushMs: 60_000 });
    await until('8 results taken', () => h.prober.unwritten === 8);
    assert.equal(allRows(h), 0);
    h.prober.stop();
    assert.equal(allRows(h), 8, 'taken before stop → written by stop');
    assert.equal(h.prober.unwritten, 0);
  });

  test('a deployment purged between a result and its flush gets no orphan row', async () => {
    const h = harness(3, () => once('ok'), () => 0, { flushMs: 60_000 });
    await until('3 results taken', () => h.prober.unwritten === 3);
    h.store.tx(() => h.store.deployments.purge(h.deployments[1]!.id));
    h.prober.stop();
    assert.equal(allRows(h), 2);
    const orphan = h.store.db.prepare('SELECT COUNT(*) AS c FROM health_check WHERE deployment_id = ?').get(h.deployments[1]!.id) as { c: number };
    assert.equal(orphan.c, 0);
  });
});
