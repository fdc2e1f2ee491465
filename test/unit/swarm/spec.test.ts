// The Swarm translation: what is refused (with the field), what is warned, and the service spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import { healthcheckFor, toolsNeeded } from '../../../src/swarm/healthcheck.js';
import { serviceSpec, swarmProblems, type SwarmRefs } from '../../../src/swarm/spec.js';

const base = (over: Partial<DeploymentSpec> = {}): DeploymentSpec => ({
  name: 'web', namespace: 'prod', runtime: 'swarm' as never, kind: 'worker', image: 'img:1', replicas: 2, command: [],
  environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [], ...over,
});
const refs: SwarmRefs = {
  networkId: 'net1', ipvs: false,
  secrets: new Map([['db-pass', { id: 'sid', name: 'prod_db-pass_abc' }]]),
  configs: new Map([['app/settings', { id: 'cid', name: 'prod_app_settings_def' }]]),
};

const refused: [string, Partial<DeploymentSpec>, string][] = [
  ['image_pull_policy Never', { config: { image_pull_policy: 'Never' } }, 'config.image_pull_policy'],
  ['host_ip', { ports: [{ published: 80, target: 80, host_ip: '127.0.0.1' }] }, 'ports[0].host_ip'],
  ['bind mount', { volumes: [{ type: 'bind', source: '/srv', destination: '/x', driver: 'local', permission: 'rw' }] }, 'volumes[0].source'],
  ['secret env without _FILE', { environment: { PASS: { secretRef: 'db-pass' } } }, 'environment.PASS'],
  ['on_failure stop', { health_checks: [{ type: 'tcp', port: 1, interval: '1s', timeout: '1s', on_failure: 'stop' }] }, 'health_checks[0].on_failure'],
  ['on_failure alert without readiness', { health_checks: [{ type: 'tcp', port: 1, interval: '1s', timeout: '1s', on_failure: 'alert' }] }, 'health_checks[0].on_failure'],
  ['privileged', { config: { user: { privileged: true } } }, 'config.user.privileged'],
  ['host network', { network: { mode: 'host' } }, 'network.mode'],
  ['autoscale', { autoscale: { min: 1, max: 3, target_cpu: 50 } }, 'autoscale'],
];
for (const [what, over, path] of refused) {
  test(`swarmProblems refuses ${what}, naming ${path}`, () => {
    const p = swarmProblems(base(over));
    assert.deepEqual(p.violations.map((v) => v.property_path), [path]);
    assert.match(p.violations[0]!.code, /^swarm\./);
  });
}

test('swarmProblems: a plain worker has no problem; named volumes and readiness+alert are warnings', () => {
  assert.deepEqual(swarmProblems(base()), { violations: [], warnings: [] });
  const p = swarmProblems(base({
    volumes: [{ type: 'volume', source: 'data', destination: '/d', driver: 'local', permission: 'rw' }],
    health_checks: [{ type: 'http', url: 'http://localhost/', interval: '1s', timeout: '1s', on_failure: 'alert', readiness: true }],
  }));
  assert.deepEqual(p.violations, []);
  assert.equal(p.warnings.length, 2);
});

test('serviceSpec: replicated worker with start-first rollback updates, dnsrr + host ports without IPVS', () => {
  const s = serviceSpec({ ...base({ ports: [{ published: 8080, target: 80 }], command: ['httpd', '-f'], labels: { team: 'a' } }), id: 'D1' }, refs) as any;
  assert.equal(s.Name, 'prod_web');
  assert.deepEqual(s.Mode, { Replicated: { Replicas: 2 } });
  assert.equal(s.Labels['ring.deployment'], 'D1');
  assert.equal(s.TaskTemplate.ContainerSpec.Labels['ring.deployment'], 'D1');
  assert.deepEqual(s.TaskTemplate.ContainerSpec.Args, ['httpd', '-f']);
  assert.deepEqual(s.EndpointSpec, { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' }] });
  assert.equal(s.UpdateConfig.Order, 'start-first');
  assert.equal(s.UpdateConfig.Parallelism, 1);
  assert.equal(s.UpdateConfig.FailureAction, 'rollback');
  assert.deepEqual(s.TaskTemplate.Networks, [{ Target: 'net1', Aliases: ['web'] }]);
  const vip = serviceSpec({ ...base({ ports: [{ published: 8080, target: 80 }] }), id: 'D1' }, { ...refs, ipvs: true }) as any;
  assert.equal(vip.EndpointSpec.Mode, 'vip');
  assert.equal(vip.EndpointSpec.Ports[0].PublishMode, 'ingress');
});

test('serviceSpec: job → ReplicatedJob with no restarts, so the task exit code decides', () => {
  const s = serviceSpec({ ...base({ kind: 'job', replicas: 1 }), id: 'J' }, refs) as any;
  assert.deepEqual(s.Mode, { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } });
  assert.deepEqual(s.TaskTemplate.RestartPolicy, { Condition: 'none' });
  assert.equal(s.UpdateConfig, undefined);
});

test('serviceSpec: readiness min_healthy_time is the update Monitor; secrets and configs are files; _FILE env points at the secret', () => {
  const s = serviceSpec({
    ...base({
      environment: { DB_PASS_FILE: { secretRef: 'db-pass' }, MODE: 'x' },
      volumes: [{ type: 'config', source: 'app', key: 'settings', destination: '/etc/app.json', driver: 'local', permission: 'ro' }],
      health_checks: [{ type: 'http', url: 'http://localhost:80/health', interval: '2s', timeout: '1s', readiness: true, min_healthy_time: '7s', on_failure: 'restart' }],
    }),
    id: 'D',
  }, refs) as any;
  const c = s.TaskTemplate.ContainerSpec;
  assert.deepEqual(c.Env, ['DB_PASS_FILE=/run/secrets/db-pass', 'MODE=x']);
  assert.deepEqual(c.Secrets, [{ SecretID: 'sid', SecretName: 'prod_db-pass_abc', File: { Name: '/run/secrets/db-pass', UID: '0', GID: '0', Mode: 0o444 } }]);
  assert.deepEqual(c.Configs, [{ ConfigID: 'cid', ConfigName: 'prod_app_settings_def', File: { Name: '/etc/app.json', UID: '0', GID: '0', Mode: 0o444 } }]);
  assert.equal(s.UpdateConfig.Monitor, 7_000_000_000);
  assert.deepEqual(c.HealthCheck.Test, ['CMD-SHELL', "wget -q -O /dev/null 'http://127.0.0.1/health'"]);
});

test('healthcheckFor: tcp through nc, several checks joined, the tightest interval and threshold', () => {
  const h = healthcheckFor([
    { type: 'tcp', port: 80, interval: '5s', timeout: '2s', threshold: 4 },
    { type: 'command', command: 'test -f /ok', interval: '1s', timeout: '1s', threshold: 2, start_period: '3s' },
  ]);
  assert.deepEqual(h.healthcheck, {
    Test: ['CMD-SHELL', '(nc -w 2 127.0.0.1 80 </dev/null) && (test -f /ok)'],
    Interval: 1_000_000_000, Timeout: 2_000_000_000, Retries: 2, StartPeriod: 3_000_000_000,
  });
  assert.equal(h.warnings.length, 1);
  assert.deepEqual(toolsNeeded([{ type: 'tcp', port: 1, interval: '1s', timeout: '1s' }, { type: 'http', url: 'http://localhost/', interval: '1s', timeout: '1s' }]), ['nc', 'wget']);
});
