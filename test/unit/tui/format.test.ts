// The TUI's pure formatting: ages, colours, rows, column layout, scrolling.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  columnsFor, fit, formatAge, layout, parseTimestamp, replicasText, statusColour, toRows, visibleDeployments, windowOf, type Deployment,
} from '../../../tui/format.js';
import { deployment } from './fixtures.js';

const NOW = Date.parse('2024-05-01T10:00:00Z');

describe('tui format', () => {
  it('ages in the largest whole unit, from RFC 3339 or Ring timestamps', () => {
    assert.equal(formatAge('2024-05-01T09:59:18Z', NOW), '42s');
    assert.equal(formatAge('2024-05-01 09:55:00.000000001 UTC', NOW), '5m');
    assert.equal(formatAge('2024-05-01T07:00:00Z', NOW), '3h');
    assert.equal(formatAge('2024-04-28T10:00:00Z', NOW), '3d');
    assert.equal(formatAge('2024-05-01T10:00:05Z', NOW), '0s', 'clock skew is not negative');
    assert.equal(formatAge('garbage', NOW), '-');
    assert.equal(parseTimestamp('2024-05-01 10:00:00 UTC'), NOW);
  });

  it('colours statuses by health', () => {
    assert.equal(statusColour('running'), 'green');
    assert.equal(statusColour('completed'), 'green');
    assert.equal(statusColour('crash_loop_back_off'), 'red');
    assert.equal(statusColour('image_pull_back_off'), 'red');
    assert.equal(statusColour('failed'), 'red');
    assert.equal(statusColour('creating'), 'yellow');
    assert.equal(statusColour('deleted'), 'gray');
  });

  it('shows running/target replicas, drops deleted deployments, sorts stably', () => {
    assert.equal(replicasText(deployment('a', { replicas: 3, instances: [{ id: '1' }] })), '1/3');
    assert.equal(replicasText(deployment('a', { replicas: 1, autoscale: { min: 1, max: 5, target_cpu: 50 }, desired_replicas: 4 } as Partial<Deployment>)), '1/4');
    const list = [deployment('b', { namespace: 'z' }), deployment('c'), deployment('a'), deployment('gone', { status: 'deleted' })];
    const rows = toRows(visibleDeployments(list), NOW);
    assert.deepEqual(rows.map((r) => `${r.namespace}/${r.name}`), ['ns/a', 'ns/c', 'z/b']);
    assert.deepEqual(rows[0], { id: 'id-a', namespace: 'ns', name: 'a', status: 'running', replicas: '1/1', restarts: '0', image: 'ring-test/busybox:1', age: '0s' });
  });

  it('lays columns out within the width, shrinking names before the image', () => {
    const rows = toRows([deployment('a'.repeat(30), { namespace: 'n'.repeat(30), image: 'registry.example.com/team/image:1.2.3' })], NOW);
    const total = (w: Record<string, number>) => Object.values(w).reduce((s, x) => s + x, 0) + 2 * (Object.values(w).filter((x) => x > 0).length - 1);
    const wide = layout(rows, 200);
    assert.equal(wide.name, 30);
    assert.equal(wide.image, 'registry.example.com/team/image:1.2.3'.length);
    const narrow = layout(rows, 90);
    assert.ok(total(narrow) <= 90, `fits 90 columns: ${JSON.stringify(narrow)}`);
    assert.ok(narrow.image >= 10);
  });

  it('drops columns on narrow terminals: restarts, then image, then age and namespace', () => {
    assert.deepEqual(columnsFor(120), ['namespace', 'name', 'status', 'replicas', 'restarts', 'image', 'age']);
    assert.deepEqual(columnsFor(90), ['namespace', 'name', 'status', 'replicas', 'image', 'age']);
    assert.deepEqual(columnsFor(70), ['namespace', 'name', 'status', 'replicas', 'age']);
    assert.deepEqual(columnsFor(50), ['name', 'status', 'replicas']);
    const rows = toRows([deployment('a'.repeat(40))], NOW);
    const w = layout(rows, 50);
    assert.equal(w.image, 0);
    assert.ok(w.name + w.status + w.replicas + 4 <= 50, JSON.stringify(w));
  });

  it('fits text to a width and scrolls to keep the selection visible', () => {
    assert.equal(fit('abc', 5), 'abc  ');
    assert.equal(fit('abcdef', 4), 'abc…');
    assert.deepEqual(windowOf(5, 4, 10), { start: 0, end: 5 });
    assert.deepEqual(windowOf(100, 50, 10), { start: 45, end: 55 });
    assert.deepEqual(windowOf(100, 99, 10), { start: 90, end: 100 });
    assert.deepEqual(windowOf(100, 0, 10), { start: 0, end: 10 });
  });
});
