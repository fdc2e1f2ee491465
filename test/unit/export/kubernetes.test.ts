// ring export kubernetes: golden output per seed scenario, every document valid against the
// Kubernetes schemas (kubernetes-models' validators), and one test per lossy rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ConfigMap, Namespace, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { parseManifest } from '../../../src/domain/manifest.js';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import { exportKubernetes, toYamlStream, type ExportInput, type K8sObject } from '../../../src/export/kubernetes/index.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/export/', import.meta.url));

const VALIDATORS: Record<string, new (o: never) => { validate(): void }> = {
  Namespace, ConfigMap, PersistentVolumeClaim, Service, Deployment, Job, HorizontalPodAutoscaler,
} as never;

function validateAll(objects: K8sObject[]): void {
  for (const o of objects) {
    const V = VALIDATORS[o.kind];
    assert.ok(V, `no validator for kind ${o.kind}`);
    assert.doesNotThrow(() => new V(o as never).validate(), `${o.kind}/${o.metadata.name} is not a valid Kubernetes object`);
  }
}

function inputOf(file: string): ExportInput {
  const m = parseManifest(readFileSync(join(FIXTURES, file), 'utf8'), { env: {} });
  assert.deepEqual(m.errors, []);
  return {
    namespaces: m.namespaces.map((n) => n.name),
    configs: m.configs.map((c) => ({ namespace: c.namespace, name: c.name, data: c.data })),
    deployments: m.deployments.map((d) => d.spec),
  };
}

for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml') && !f.endsWith('.k8s.yaml'))) {
  test(`golden: ${file}`, () => {
    const r = exportKubernetes(inputOf(file));
    assert.deepEqual(r.errors, []);
    validateAll(r.objects);
    const actual = [
      toYamlStream(r.objects).trimEnd(),
      ...r.warnings.map((w) => `# warning: ${w}`),
      ...r.secretCommands.map((c) => `# secret: ${c}`),
    ].join('\n') + '\n';
    const golden = join(FIXTURES, file.replace(/\.yaml$/, '.k8s.yaml'));
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) writeFileSync(golden, actual);
    assert.equal(actual, readFileSync(golden, 'utf8'), `${golden} differs (UPDATE_GOLDEN=1 rewrites it after review)`);
  });
}

function spec(over: Partial<DeploymentSpec>): DeploymentSpec {
  return {
    name: 'app', namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 1, command: [],
    environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [], ...over,
  };
}
const one = (over: Partial<DeploymentSpec>) => exportKubernetes({ namespaces: [], configs: [], deployments: [spec(over)] });
const kind = (r: ReturnType<typeof one>, k: string) => r.objects.filter((o) => o.kind === k) as any[];

test('names: `_` and `.` become `-` with a warning; an impossible name is refused and nothing is exported', () => {
  const ok = one({ name: 'My_App.v2' });
  assert.equal(kind(ok, 'Deployment')[0].metadata.name, 'my-app-v2');
  assert.match(ok.warnings.join('\n'), /exported as 'my-app-v2'/);
  const bad = one({ name: '-bad-' });
  assert.equal(bad.objects.length, 0);
  assert.match(bad.errors.join('\n'), /cannot be made a DNS-1123 label/);
});

test('probe seconds: sub-second intervals and timeouts round up to whole seconds, with a warning each', () => {
  const r = one({ health_checks: [{ type: 'tcp', port: 80, interval: '1500ms', timeout: '200ms', readiness: true }] });
  const probe = kind(r, 'Deployment')[0].spec.template.spec.containers[0].readinessProbe;
  assert.equal(probe.periodSeconds, 2);
  assert.equal(probe.timeoutSeconds, 1);
  assert.equal(r.warnings.filter((w) => /rounded up/.test(w)).length, 2);
});

test('memory: ring `K` (1000) becomes Kubernetes `k`; binary suffixes pass unchanged', () => {
  const r = one({ resources: { limits: { memory: '64K' }, requests: { memory: '32Mi' } } });
  const res = kind(r, 'Deployment')[0].spec.template.spec.containers[0].resources;
  assert.deepEqual(res, { limits: { memory: '64k' }, requests: { memory: '32Mi' } });
  assert.match(r.warnings.join('\n'), /'64K' exported as '64k'/);
});

test('ports: inside the NodePort range a NodePort Service keeps the port; outside, a ClusterIP Service and a warning', () => {
  const r = one({ ports: [{ published: 30100, target: 80 }, { published: 8080, target: 80 }] });
  const [a, b] = kind(r, 'Service');
  assert.equal(a.spec.type, 'NodePort');
  assert.equal(a.spec.ports[0].nodePort, 30100);
  assert.equal(b.spec.type, 'ClusterIP');
  assert.equal(b.spec.ports[0].nodePort, undefined);
  assert.match(r.warnings.join('\n'), /outside the NodePort range/);
});

test('bind mounts become hostPath volumes with a warning', () => {
  const r = one({ volumes: [{ type: 'bind', source: '/srv/x', destination: '/x', driver: 'local', permission: 'rw' }] });
  assert.deepEqual(kind(r, 'Deployment')[0].spec.template.spec.volumes, [{ name: 'v0', hostPath: { path: '/srv/x' } }]);
  assert.match(r.warnings.join('\n'), /hostPath/);
});

test('secrets are referenced, never exported: a kubectl create secret line per secret instead', () => {
  const r = one({ environment: { PASS: { secretRef: 'db-pass' }, PLAIN: 'x' } });
  assert.equal(r.objects.some((o) => o.kind === 'Secret'), false);
  const env = kind(r, 'Deployment')[0].spec.template.spec.containers[0].env;
  assert.deepEqual(env[0], { name: 'PASS', valueFrom: { secretKeyRef: { name: 'db-pass', key: 'value' } } });
  assert.deepEqual(r.secretCommands, ["kubectl create secret generic db-pass -n ns --from-literal=value='<value of ring secret db-pass>'"]);
});

test('rolling update: maxSurge 1 / maxUnavailable 0, minReadySeconds = largest min_healthy_time, deadline = progressDeadlineSeconds', () => {
  const r = exportKubernetes({ namespaces: [], configs: [], deployments: [spec({ health_checks: [
    { type: 'tcp', port: 1, interval: '1s', timeout: '1s', readiness: true, min_healthy_time: '4s' },
    { type: 'tcp', port: 2, interval: '1s', timeout: '1s', readiness: true, min_healthy_time: '9s' },
  ] })] }, { rolloutDeadlineSeconds: 42 });
  const d = kind(r, 'Deployment')[0].spec;
  assert.deepEqual(d.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  assert.equal(d.minReadySeconds, 9);
  assert.equal(d.progressDeadlineSeconds, 42);
  assert.match(r.warnings.join('\n'), /one readinessProbe per container/);
});

test('on_failure stop/alert has no kubelet equivalent: warned, not exported as liveness', () => {
  const r = one({ health_checks: [{ type: 'tcp', port: 1, interval: '1s', timeout: '1s', on_failure: 'alert' }] });
  assert.equal(kind(r, 'Deployment')[0].spec.template.spec.containers[0].livenessProbe, undefined);
  assert.match(r.warnings.join('\n'), /on_failure 'alert' has no Kubernetes equivalent/);
});

test('jobs: batch/v1 Job with backoffLimit 5 and restartPolicy Never', () => {
  const r = one({ kind: 'job', command: ['true'] });
  const j = kind(r, 'Job')[0];
  assert.equal(j.spec.backoffLimit, 5);
  assert.equal(j.spec.template.spec.restartPolicy, 'Never');
  assert.deepEqual(j.spec.template.spec.containers[0].args, ['true']);
  validateAll(r.objects);
});

test('a label that is not a Kubernetes label becomes an annotation, with a warning', () => {
  const r = one({ labels: { 'bad key!': 'v', ok: 'yes' } });
  const md = kind(r, 'Deployment')[0].metadata;
  assert.equal(md.labels.ok, 'yes');
  assert.equal(md.annotations['bad key!'], 'v');
  assert.match(r.warnings.join('\n'), /exported as an annotation/);
});

test('user names cannot be runAsUser: warned and left out; numeric ids carried', () => {
  const r = one({ config: { user: { id: 'nobody', group: 1000 } } });
  assert.deepEqual(kind(r, 'Deployment')[0].spec.template.spec.containers[0].securityContext, { runAsGroup: 1000 });
  assert.match(r.warnings.join('\n'), /needs a numeric id/);
});
