// gitops diff (field diffs, counterpart choice, prune), drift, commit outcomes, status rendering
// and the notification body: the pure parts, table-tested.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import type { DesiredDeployment, DesiredState } from '../../../gitops/desired.js';
import { counterpart, diffState, fieldDiffs, renderDiff, summarize, type LiveView } from '../../../gitops/diff.js';
import { commitOutcome, verdictsOf } from '../../../gitops/health.js';
import { labelled, LABEL_HASH } from '../../../gitops/labels.js';
import { deploymentStatuses, notification } from '../../../gitops/record.js';
import { renderStatus, statusKey, type SyncStatus } from '../../../gitops/status.js';
import type { SyncReport } from '../../../gitops/sync.js';
import { driftOf } from '../../../gitops/watch.js';

const REPO = '/srv/repo';

function spec(name: string, extra: Partial<DeploymentSpec> = {}): DeploymentSpec {
  return {
    name, namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 1, command: [], environment: {},
    labels: {}, ports: [], volumes: [], config: {}, health_checks: [], ...extra,
  };
}

function desiredOf(...items: [path: string, s: DeploymentSpec][]): DesiredState {
  const deployments: DesiredDeployment[] = items.map(([path, s]) => {
    const l = labelled(s, { repo: REPO, path, revision: 'abcdef0123456789' });
    return { source: path, namespace: l.namespace, name: l.name, hash: l.labels[LABEL_HASH]!, deployment: { key: l.name, spec: l } };
  });
  return { revision: 'abcdef0123456789', files: [], deployments, broken: new Set(), errors: [] };
}

let n = 0;
/** The server's view of what was applied from `d` (revision label of another commit: not a difference). */
function liveOf(d: DesiredDeployment, extra: Partial<LiveView> = {}): LiveView {
  const s = d.deployment.spec;
  return {
    id: `id-${++n}`, created_at: '', updated_at: '', status: 'running', restart_count: 0, instances: [],
    name: s.name, namespace: s.namespace, runtime: s.runtime, kind: s.kind, image: s.image, command: s.command, config: s.config,
    replicas: s.replicas, ports: s.ports, environment: s.environment, volumes: s.volumes,
    labels: { ...s.labels, 'ring.gitops/revision': '000000000000' }, ...extra,
  } as LiveView;
}

describe('gitops diff', () => {
  it('unchanged when the server echoes the manifest; per field otherwise; create when missing', () => {
    const want = desiredOf(['m/a.yaml', spec('a')], ['m/b.yaml', spec('b', { replicas: 3, environment: { A: '1', B: '2' } })], ['m/c.yaml', spec('c')]);
    const [a, b] = want.deployments;
    const live = [liveOf(a!), liveOf(b!, { replicas: 1, environment: { A: '1', B: '9' } })];
    const entries = diffState(want, live, { repo: REPO, dir: 'm', prune: false });
    assert.deepEqual(entries.map((e) => [e.name, e.action]), [['a', 'unchanged'], ['b', 'change'], ['c', 'create']]);
    assert.deepEqual(entries[1]!.fields, [
      { path: 'replicas', live: 1, desired: 3 },
      { path: 'environment.B', live: '9', desired: '2' },
    ]);
    assert.deepEqual(summarize(entries), { create: 1, change: 1, unchanged: 1, prune: 0 });
    assert.deepEqual(renderDiff(entries), [
      '~ deployment ns/b (m/b.yaml): 2 fields differ',
      '    replicas', '      - 1', '      + 3',
      '    environment.B', '      - "9"', '      + "2"',
      '+ deployment ns/c (m/c.yaml): would be created',
    ]);
  });

  it('empty and absent are the same; a hand-made replacement is foreign and its labels differ', () => {
    const want = desiredOf(['m/a.yaml', spec('a')]);
    const d = want.deployments[0]!;
    assert.deepEqual(fieldDiffs({ command: undefined, labels: {} }, { command: [], labels: {} }), []);
    const hand = liveOf(d, { labels: {}, replicas: 2 });
    const [e] = diffState(want, [hand], { repo: REPO, dir: 'm', prune: false });
    assert.equal(e!.action, 'change');
    assert.equal(e!.foreign, true);
    assert.deepEqual(e!.fields.map((f) => f.path), ['replicas', 'labels.ring.gitops/hash', 'labels.ring.gitops/repo', 'labels.ring.gitops/source']);
  });

  it('compares with the rolling child carrying the hash, else the parent; deleted ones do not count', () => {
    const want = desiredOf(['m/a.yaml', spec('a', { image: 'img:2' })]);
    const d = want.deployments[0]!;
    const parent = liveOf(desiredOf(['m/a.yaml', spec('a')]).deployments[0]!);
    const child = liveOf(d, { parent_id: parent.id, status: 'creating' });
    assert.equal(counterpart(d, [parent, child])?.id, child.id);
    assert.equal(counterpart(d, [parent])?.id, parent.id);
    assert.equal(counterpart(d, [liveOf(d, { status: 'deleted' })]), undefined);
  });

  it('prune lists only this repository\'s deployments under the path whose manifest is gone', () => {
    const want = desiredOf(['m/a.yaml', spec('a')]);
    const gone = liveOf(desiredOf(['m/old.yaml', spec('old')]).deployments[0]!);
    const otherDir = liveOf(desiredOf(['x/o.yaml', spec('o')]).deployments[0]!);
    const hand = liveOf(desiredOf(['m/h.yaml', spec('h')]).deployments[0]!, { labels: {} });
    const entries = diffState(want, [liveOf(want.deployments[0]!), gone, otherDir, hand], { repo: REPO, dir: 'm', prune: true });
    assert.deepEqual(entries.filter((e) => e.action === 'prune').map((e) => e.name), ['old']);
    assert.match(renderDiff(entries).join('\n'), /- deployment ns\/old \(m\/old\.yaml\): would be pruned/);
  });

  it('drift: missing and changed, leaving out deployments whose rollout failed at this commit', () => {
    const want = desiredOf(['m/a.yaml', spec('a')], ['m/b.yaml', spec('b', { replicas: 2 })], ['m/c.yaml', spec('c')]);
    const [a, b, c] = want.deployments;
    const live = [liveOf(b!, { replicas: 1 }), liveOf(c!, { image: 'other' })];
    assert.deepEqual(driftOf(want, live, REPO, 'm', new Set([c!.hash])), [
      { namespace: 'ns', name: 'a', kind: 'missing', fields: [] },
      { namespace: 'ns', name: 'b', kind: 'changed', fields: ['replicas'] },
    ]);
    assert.deepEqual(driftOf(want, [liveOf(a!), liveOf(b!), liveOf(c!)], REPO, 'm', new Set()), []);
  });
});

describe('gitops commit outcome and status', () => {
  it('healthy / degraded / failed', () => {
    assert.equal(commitOutcome(0, []), 'healthy');
    assert.equal(commitOutcome(0, [{ state: 'healthy', detail: '' }]), 'healthy');
    assert.equal(commitOutcome(0, [{ state: 'healthy', detail: '' }, { state: 'failed', detail: 'x' }]), 'degraded');
    assert.equal(commitOutcome(0, [{ state: 'progressing', detail: '' }]), 'degraded');
    assert.equal(commitOutcome(2, [{ state: 'healthy', detail: '' }]), 'failed');
  });

  it('verdicts from a wait: succeeded, failed with its reason, pending = timed out or left after a fail-fast', () => {
    const p = (id: string, verdict: any) => ({ id, namespace: 'ns', name: id, status: 'running', ready: 1, desired: 1, verdict });
    const r = { outcome: 'failed' as const, deployments: [p('a', { state: 'succeeded', step: 'running' }), p('b', { state: 'failed', reason: 'crash_loop_back_off' }), p('c', { state: 'pending', step: 'gate shut' })], failures: [] };
    const v = verdictsOf(r, 60_000);
    assert.deepEqual([v.get('a')!.state, v.get('b')!.state, v.get('c')!.state], ['healthy', 'failed', 'progressing']);
    assert.equal(v.get('b')!.detail, 'crash_loop_back_off');
    const t = verdictsOf({ ...r, outcome: 'timeout' }, 60_000);
    assert.deepEqual([t.get('c')!.state, t.get('c')!.detail], ['failed', 'not rolled out within 60s (gate shut)']);
  });

  it('per-deployment statuses and the notification', () => {
    const want = desiredOf(['m/a.yaml', spec('a')], ['m/b.yaml', spec('b')], ['m/c.yaml', spec('c')]);
    const [a, b, c] = want.deployments;
    const report: SyncReport = {
      applied: 1, unchanged: 1, pruned: 1, failed: 1, failedHashes: [c!.hash], errors: ['m/c.yaml: Unable to apply deployment'],
      deployments: [{ desired: a!, state: 'applied', id: 'id-a' }, { desired: b!, state: 'unchanged' }, { desired: c!, state: 'failed', error: 'replicas must be >= 0' }],
      pruned_: [{ namespace: 'ns', name: 'old', source: 'm/old.yaml', id: 'id-old' }],
    };
    const statuses = deploymentStatuses(report, new Map([['id-a', { state: 'failed', detail: 'crash_loop_back_off' }]]));
    assert.deepEqual(statuses.map((s) => [s.name, s.outcome, s.detail]), [
      ['a', 'failed', 'crash_loop_back_off'], ['b', 'unchanged', undefined], ['c', 'failed', 'replicas must be >= 0'], ['old', 'pruned', undefined],
    ]);
    const s: SyncStatus = {
      version: 1, repo: REPO, path: 'm', ref: 'HEAD', revision: '0123456789abcdef0123', subject: 'bump', synced_at: '2024-05-01T10:00:00.000Z',
      outcome: 'failed', deployments: statuses, errors: report.errors, drift: [{ namespace: 'ns', name: 'b', kind: 'changed', fields: ['replicas'], healed: true }],
      watcher: { pid: 42, started_at: '', interval_ms: 2000, self_heal: true }, updated_at: '',
    };
    const text = renderStatus(s, { alive: true, suspended: false, now: Date.parse('2024-05-01T10:00:30Z') }).join('\n');
    assert.match(text, /Watcher: +running \(pid 42, every 2s, self-heal\)/);
    assert.match(text, /Last sync: +0123456789ab "bump" at 2024-05-01T10:00:00\.000Z \(30s ago\)/);
    assert.match(text, /Outcome: +failed/);
    assert.match(text, /ns\/c +m\/c\.yaml +failed +replicas must be >= 0/);
    assert.match(text, /Errors:\n {2}m\/c\.yaml: Unable to apply deployment/);
    assert.match(text, /ns\/b: changed on the server \(replicas\) — healed/);
    assert.match(renderStatus(s, { alive: false, suspended: true, now: 0 }).join('\n'), /Watcher: +SUSPENDED — not running \(last pid 42\)/);
    const note = notification(s);
    assert.equal(note.kind, 'gitops.synced');
    assert.equal(note.text, 'gitops /srv/repo m @ 0123456789ab "bump": failed');
    assert.notEqual(statusKey(REPO, 'm'), statusKey(REPO, 'n'));
  });
});
