// planSync: which deployments a pass applies, leaves alone and prunes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import type { DesiredDeployment, DesiredState } from '../../../gitops/desired.js';
import { labelled, LABEL_HASH, LABEL_REPO, LABEL_SOURCE, specHash } from '../../../gitops/labels.js';
import { planSync, type LiveDeployment } from '../../../gitops/plan.js';

const REPO = '/srv/repo';

function spec(name: string, extra: Partial<DeploymentSpec> = {}): DeploymentSpec {
  return {
    name, namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 1, command: [], environment: {},
    labels: {}, ports: [], volumes: [], config: {}, health_checks: [], ...extra,
  };
}

function desired(...items: [path: string, s: DeploymentSpec][]): DesiredState {
  const deployments: DesiredDeployment[] = items.map(([path, s]) => {
    const l = labelled(s, { repo: REPO, path, revision: 'abcdef0123456789' });
    return { source: path, namespace: l.namespace, name: l.name, hash: l.labels[LABEL_HASH]!, deployment: { key: l.name, spec: l } };
  });
  return { revision: 'abcdef0123456789', files: [], deployments, broken: new Set(), errors: [] };
}

let n = 0;
function live(name: string, labels: Record<string, string>, status = 'running', namespace = 'ns'): LiveDeployment {
  return { id: `id-${++n}`, name, namespace, status, labels };
}

function liveOf(d: DesiredDeployment, status = 'running'): LiveDeployment {
  return live(d.name, d.deployment.spec.labels, status, d.namespace);
}

describe('planSync', () => {
  it('applies what the server does not have, leaves what has the same hash', () => {
    const want = desired(['manifests/a.yaml', spec('a')], ['manifests/b.yaml', spec('b')]);
    const plan = planSync(want, [liveOf(want.deployments[0]!)], { repo: REPO, dir: 'manifests', prune: true });
    assert.deepEqual(plan.apply.map((d) => d.name), ['b']);
    assert.deepEqual(plan.unchanged.map((d) => d.name), ['a']);
    assert.deepEqual(plan.prune, []);
  });

  it('re-applies a changed manifest (replicas 1 → 2)', () => {
    const before = desired(['m/a.yaml', spec('a')]);
    const after = desired(['m/a.yaml', spec('a', { replicas: 2 })]);
    const plan = planSync(after, [liveOf(before.deployments[0]!)], { repo: REPO, dir: 'm', prune: true });
    assert.deepEqual(plan.apply.map((d) => d.name), ['a']);
    assert.deepEqual(plan.prune, [], 'a changed deployment is replaced by the apply, not pruned');
  });

  it('a deleted row or another repository’s deployment does not count as applied', () => {
    const want = desired(['m/a.yaml', spec('a')]);
    const d = want.deployments[0]!;
    const other = live('a', { ...d.deployment.spec.labels, [LABEL_REPO]: '/elsewhere' });
    const plan = planSync(want, [liveOf(d, 'deleted'), other], { repo: REPO, dir: 'm', prune: true });
    assert.deepEqual(plan.apply.map((x) => x.name), ['a']);
    assert.deepEqual(plan.prune, [], 'the other repository’s deployment is not ours to prune');
  });

  it('during a rolling update either active deployment may carry the current hash', () => {
    const old = desired(['m/a.yaml', spec('a', { image: 'img:1' })]).deployments[0]!;
    const want = desired(['m/a.yaml', spec('a', { image: 'img:2' })]);
    const plan = planSync(want, [liveOf(old), liveOf(want.deployments[0]!, 'creating')], { repo: REPO, dir: 'm', prune: true });
    assert.deepEqual(plan.apply, []);
    assert.equal(plan.unchanged.length, 1);
  });

  it('prunes only labelled deployments of this repository under the watched directory', () => {
    const gone = desired(['m/gone.yaml', spec('gone')]).deployments[0]!;
    const elsewhere = desired(['other/x.yaml', spec('x')]).deployments[0]!;
    const byHand = live('manual', {});
    const lookalike = live('fake', { [LABEL_SOURCE]: 'm/fake.yaml' }); // source label but no repo label
    const liveRows = [liveOf(gone), liveOf(elsewhere), byHand, lookalike];
    const plan = planSync(desired(), liveRows, { repo: REPO, dir: 'm', prune: true });
    assert.deepEqual(plan.prune.map((d) => d.name), ['gone']);
    assert.deepEqual(planSync(desired(), liveRows, { repo: REPO, dir: 'm', prune: false }).prune, [], 'no prune without --prune');
    assert.deepEqual(planSync(desired(), liveRows, { repo: REPO, dir: '', prune: true }).prune.map((d) => d.name), ['gone', 'x']);
  });

  it('never prunes from a manifest that failed to parse', () => {
    const d = desired(['m/a.yaml', spec('a')]).deployments[0]!;
    const want = desired();
    want.broken.add('m/a.yaml');
    assert.deepEqual(planSync(want, [liveOf(d)], { repo: REPO, dir: 'm', prune: true }).prune, []);
  });

  it('between commits re-applies only workers gone from the server', () => {
    const old = desired(['m/a.yaml', spec('a', { image: 'img:1' })]).deployments[0]!;
    const want = desired(['m/a.yaml', spec('a', { image: 'img:2' })], ['m/b.yaml', spec('b')], ['m/j.yaml', spec('j', { kind: 'job' })]);
    const plan = planSync(want, [liveOf(old)], { repo: REPO, dir: 'm', prune: false, onlyMissing: true });
    assert.deepEqual(plan.apply.map((d) => d.name), ['b'], 'a (another hash: a failed rollout) and the job j wait for the next commit');
    assert.deepEqual(plan.unchanged.map((d) => d.name), ['a', 'j']);
  });

  it('skips hashes that already failed', () => {
    const want = desired(['m/a.yaml', spec('a')]);
    const plan = planSync(want, [], { repo: REPO, dir: 'm', prune: false, skipHashes: new Set([want.deployments[0]!.hash]) });
    assert.deepEqual(plan.apply, []);
  });
});

describe('specHash / labelled', () => {
  it('ignores key order and the derived labels, follows every field that is sent', () => {
    const a = spec('a', { environment: { A: '1', B: '2' } });
    const b = { ...spec('a'), environment: { B: '2', A: '1' } };
    assert.equal(specHash(a), specHash(b));
    assert.equal(specHash(a), specHash({ ...a, labels: { [LABEL_HASH]: 'x', 'ring.gitops/revision': 'y' } }));
    assert.notEqual(specHash(a), specHash({ ...a, replicas: 2 }));
    assert.notEqual(specHash(a), specHash({ ...a, labels: { team: 'x' } }));
  });

  it('labels source, repository and hash, keeping the user’s labels', () => {
    const l = labelled(spec('a', { labels: { team: 'web' } }), { repo: REPO, path: 'm/a.yaml', revision: '0123456789abcdef' });
    assert.equal(l.labels.team, 'web');
    assert.equal(l.labels[LABEL_SOURCE], 'm/a.yaml');
    assert.equal(l.labels[LABEL_REPO], REPO);
    assert.equal(l.labels['ring.gitops/revision'], '0123456789ab');
    assert.match(l.labels[LABEL_HASH]!, /^[0-9a-f]{16}$/);
    const moved = labelled(spec('a', { labels: { team: 'web' } }), { repo: REPO, path: 'm/b.yaml', revision: '0123456789abcdef' });
    assert.notEqual(moved.labels[LABEL_HASH], l.labels[LABEL_HASH], 'a moved manifest relabels its deployment');
    const later = labelled(spec('a', { labels: { team: 'web' } }), { repo: REPO, path: 'm/a.yaml', revision: 'ffff' });
    assert.equal(later.labels[LABEL_HASH], l.labels[LABEL_HASH], 'a new commit alone changes nothing');
  });
});
