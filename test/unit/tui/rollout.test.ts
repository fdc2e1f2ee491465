// Rollouts as one item, the readiness gate from health-check history, bars, filter, footer,
// problems and describe: the TUI's pure parts, table-tested.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bar, shortDuration } from '../../../tui/bar.js';
import { describeLines } from '../../../tui/describe.js';
import { matchesFilter } from '../../../tui/filter.js';
import { footerText } from '../../../tui/footer.js';
import type { Deployment } from '../../../tui/format.js';
import { checkLabel, gateView, type HealthCheckResult } from '../../../tui/gate.js';
import { bannerText, httpProblem, missingScope, retryDelayMs, SourceError } from '../../../tui/problems.js';
import { groupItems, OUTCOME_LINGER_MS, remember, rolloutProgress, type Item } from '../../../tui/rollout.js';
import { itemRow } from '../../../tui/table.js';
import { deployment } from './fixtures.js';

const NOW = Date.parse('2024-05-01T10:01:00Z');
const READINESS = { min_healthy_ms: 10_000, checks: [0], deadline_at: '2024-05-01T10:10:00Z' };
const HTTP_CHECK = { type: 'http' as const, url: 'http://localhost:80/health', interval: '1s', timeout: '1s', readiness: true };

function result(instance: string, status: 'success' | 'failed' | 'timeout', finished: string, index = 0, message = ''): HealthCheckResult {
  return { id: `${instance}-${finished}`, deployment_id: 'child', check_type: 'http', check_index: index, instance_id: instance, status, message, created_at: finished, started_at: finished, finished_at: finished };
}

const parent = (extra: Partial<Deployment> = {}) => deployment('web', { id: 'parent-1', replicas: 3, instances: [{ id: 'p1' }, { id: 'p2' }, { id: 'p3' }], ...extra });
const child = (extra: Partial<Deployment> = {}) => deployment('web', {
  id: 'child-2', parent_id: 'parent-1', replicas: 3, status: 'creating', image: 'ring-test/httpd:v2', instances: [],
  health_checks: [HTTP_CHECK], readiness: READINESS, ...extra,
} as Partial<Deployment>);

function rolloutItem(list: Deployment[], mem = remember(new Map(), list, NOW)): Extract<Item, { kind: 'rollout' }> {
  const item = groupItems(list, mem).find((i) => i.kind === 'rollout');
  assert.ok(item && item.kind === 'rollout', 'a rollout item');
  return item;
}

describe('tui rollout', () => {
  it('groups a child with its parent as one item; other deployments stay rows; deleted ones go', () => {
    const list = [parent(), child(), deployment('other'), deployment('gone', { status: 'deleted' })];
    const items = groupItems(list, remember(new Map(), list, NOW));
    assert.deepEqual(items.map((i) => [i.kind, i.key]), [['rollout', 'child-2'], ['single', 'id-other']]);
    const r = items[0]!;
    assert.ok(r.kind === 'rollout' && r.parent?.id === 'parent-1');
  });

  it('phases: gated → draining → complete, and failed with the parent still serving', () => {
    const cases: { name: string; list: Deployment[]; phase: string; numbers: [number, number, number, number]; outcome?: RegExp }[] = [
      { name: 'child coming up', list: [parent(), child({ instances: [{ id: 'c1' }] })], phase: 'gated', numbers: [1, 3, 0, 3] },
      { name: 'gate open, one drained', list: [parent({ instances: [{ id: 'p2' }, { id: 'p3' }] }), child({ status: 'running', instances: [{ id: 'c1' }, { id: 'c2' }] })], phase: 'draining', numbers: [2, 3, 1, 3] },
      { name: 'parent drained, being purged', list: [parent({ status: 'deleted', instances: [] }), child({ status: 'running', instances: [{ id: 'c1' }, { id: 'c2' }, { id: 'c3' }] })], phase: 'complete', numbers: [3, 3, 3, 3], outcome: /rolled out: parent parent-1 drained, purging/ },
      { name: 'child failed', list: [parent(), child({ status: 'failed' })], phase: 'failed', numbers: [0, 3, 0, 3], outcome: /rollout failed: new deployment child-2 is failed; parent parent-1 still serving 3\/3/ },
    ];
    for (const c of cases) {
      const p = rolloutProgress(rolloutItem(c.list), undefined, NOW);
      assert.equal(p.phase, c.phase, c.name);
      assert.deepEqual([p.childUp, p.childDesired, p.drained, p.parentTotal], c.numbers, c.name);
      if (c.outcome) assert.match(p.outcome ?? '', c.outcome, c.name);
      else assert.equal(p.outcome, undefined, c.name);
    }
  });

  it('remembers an ended rollout: the child without parent_id and the parent purged reads "purged", then lingers out', () => {
    const during = [parent(), child({ status: 'running' })];
    const mem = remember(new Map(), during, NOW);
    const after = [child({ status: 'running', parent_id: undefined, instances: [{ id: 'c1' }, { id: 'c2' }, { id: 'c3' }] })];
    const mem2 = remember(mem, after, NOW + 5000);
    const item = rolloutItem(after, mem2);
    const p = rolloutProgress(item, undefined, NOW + 5000);
    assert.equal(p.phase, 'complete');
    assert.match(p.outcome ?? '', /rolled out: 3 of 3 replaced, parent parent-1 purged/);
    const later = remember(mem2, after, NOW + OUTCOME_LINGER_MS + 1);
    assert.deepEqual(groupItems(after, later).map((i) => i.kind), ['single']);
  });

  it('deadline countdown while gated', () => {
    const p = rolloutProgress(rolloutItem([parent(), child()]), undefined, NOW);
    assert.equal(p.deadlineInMs, Date.parse(READINESS.deadline_at) - NOW);
    assert.equal(shortDuration(p.deadlineInMs!), '9m00s');
  });

  it('the row of a rollout shows the phase, the child numbers and old → new image', () => {
    const item = rolloutItem([parent(), child({ instances: [{ id: 'c1' }] })]);
    const row = itemRow(item, rolloutProgress(item, undefined, NOW), NOW);
    assert.equal(row.status, 'rolling: gate shut');
    assert.equal(row.replicas, '1/3');
    assert.equal(row.image, 'ring-test/busybox:1 → ring-test/httpd:v2');
  });
});

describe('tui readiness gate', () => {
  const at = (s: number) => new Date(NOW - s * 1000).toISOString();
  const view = (history: HealthCheckResult[], instances = ['c1', 'c2']) => gateView(READINESS, [HTTP_CHECK], history, instances, NOW)!;

  it('green for the least-green instance against min_healthy_time', () => {
    // newest first; c1 green for 12 s, c2 green for 4 s after a failure
    const g = view([result('c2', 'success', at(1)), result('c1', 'success', at(2)), result('c2', 'success', at(4)), result('c2', 'failed', at(6)), result('c1', 'success', at(12))]);
    assert.equal(g.open, false);
    assert.equal(g.blocking?.state, 'warming');
    assert.equal(g.blocking?.greenMs, 4000);
    assert.equal(g.blocking?.label, 'http :80/health');
  });

  it('open when every instance held the window; red with the failure message; unknown before any probe', () => {
    assert.equal(view([result('c1', 'success', at(1)), result('c2', 'success', at(2)), result('c1', 'success', at(11)), result('c2', 'success', at(10))]).open, true);
    const red = view([result('c1', 'failed', at(1), 0, 'HTTP 503'), result('c2', 'success', at(20))]);
    assert.deepEqual([red.open, red.blocking?.state, red.blocking?.message], [false, 'red', 'HTTP 503']);
    assert.equal(view([result('c1', 'success', at(20))]).blocking?.state, 'unknown');
    assert.equal(view([], []).blocking?.state, 'unknown');
    assert.equal(gateView(undefined, [], [], ['c1'], NOW), undefined, 'no readiness checks, no gate');
  });

  it('labels checks', () => {
    assert.equal(checkLabel({ type: 'tcp', port: 6379, interval: '1s', timeout: '1s' }, 0), 'tcp :6379');
    assert.equal(checkLabel({ type: 'command', command: 'pg_isready -h localhost -p 5432 -U me', interval: '1s', timeout: '1s' }, 0), 'command "pg_isready -h localhost…"');
    assert.equal(checkLabel(undefined, 2), 'check #2');
  });
});

describe('tui small formatting', () => {
  it('bars and durations', () => {
    assert.equal(bar(1, 3, 6), '██░░░░');
    assert.equal(bar(3, 3, 6, true), '######');
    assert.equal(bar(0, 0, 4, true), '----');
    assert.equal(bar(5, 3, 4), '████', 'overfull is full');
    assert.deepEqual([850, 4000, 65_000, 7_380_000, -5].map(shortDuration), ['850ms', '4s', '1m05s', '2h03m', '0ms']);
  });

  it('filter: every word on namespace, name, status, image or id; !word excludes; rollouts match either side', () => {
    const single: Item = { kind: 'single', key: 'a', deployment: deployment('api', { namespace: 'prod', image: 'registry/app:2' }) };
    assert.equal(matchesFilter(single, ''), true);
    assert.equal(matchesFilter(single, 'PROD api'), true);
    assert.equal(matchesFilter(single, 'prod/api'), true);
    assert.equal(matchesFilter(single, 'app:2'), true);
    assert.equal(matchesFilter(single, 'prod !api'), false);
    assert.equal(matchesFilter(single, 'staging'), false);
    const r = rolloutItem([parent(), child()]);
    assert.equal(matchesFilter(r, 'busybox'), true, 'the parent image matches');
    assert.equal(matchesFilter(r, 'rollout'), true);
  });

  it('footer: server, context, namespace, refresh, feed, help; shortened by priority', () => {
    const f = { server: 'http://127.0.0.1:3030', context: 'default', namespace: undefined, refreshedAt: NOW - 2000, feed: 'poll 1s', filter: 'web', now: NOW };
    assert.equal(footerText(f, 200), 'server http://127.0.0.1:3030 · ctx default · ns all · /web · refreshed 10:00:58 (2s ago) · poll 1s · ? help');
    assert.equal(footerText(f, 60), 'ns all · /web · refreshed 10:00:58 (2s ago) · ? help');
    assert.equal(footerText(f, 20), 'ns all · ? help');
    assert.match(footerText({ ...f, refreshedAt: undefined }, 200), /refreshed never/);
  });

  it('problems: scope named, 401 says log in, unreachable retries', () => {
    assert.equal(missingScope("token lacks required scope 'deployments:read'"), 'deployments:read');
    const forbidden = httpProblem('list deployments', 403, "token lacks required scope 'deployments:read'");
    assert.equal(forbidden.kind, 'forbidden');
    assert.equal(forbidden.message, "The token lacks the 'deployments:read' scope — cannot list deployments");
    assert.equal(bannerText(forbidden, 'http://x', 2000), forbidden.message, 'no retry promise for a scope problem');
    assert.match(httpProblem('list deployments', 403, "token is not scoped to namespace 'x'").message, /Not allowed to list deployments \(403\): token is not scoped to namespace 'x'/);
    assert.match(httpProblem('list deployments', 401, undefined).message, /ring login/);
    assert.equal(bannerText(new SourceError('unreachable', 'connection refused'), 'http://x:1', 4000), 'Server unreachable at http://x:1 (connection refused) — retrying in 4s');
    assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n, 1000)), [1000, 2000, 4000, 8000, 15000, 15000]);
  });

  it('describe: inspect, events and health-check history', () => {
    const d = child({ status: 'running', instances: [{ id: 'c1abcdef01234', address: '172.17.0.5' }], labels: { app: 'web' } });
    const text = describeLines({
      deployment: d, now: NOW,
      events: [{ id: 'e', deployment_id: d.id, timestamp: '2024-05-01T10:00:59Z', level: 'warning', message: 'Probe failed', component: 'health', reason: 'health_check_failed' }],
      checks: [result('c1abcdef01234', 'failed', '2024-05-01T10:00:58Z', 0, 'HTTP 503')],
    }).map((l) => l.text).join('\n');
    assert.match(text, /^ns\/web {2}\(child-2\)/);
    assert.match(text, /rolling from: +deployment parent-1/);
    assert.match(text, /c1abcdef0123 {2}172\.17\.0\.5/);
    assert.match(text, /#0 http :80\/health every 1s \(timeout 1s\) readiness, min_healthy_time 10s/);
    assert.match(text, /10:00:59 {2}warning {2}health_check_failed +Probe failed/);
    assert.match(text, /10:00:58 {2}#0 http +failed +c1abcdef0123 +0ms {2}HTTP 503/);
    assert.match(text, /labels: +app=web/);
  });
});
