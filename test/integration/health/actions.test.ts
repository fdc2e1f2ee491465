// Health checks through the whole server on real Docker: each on_failure action, the readiness
// gate holding `creating` then opening, the rollout deadline, and the health-checks API and CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { HTTPD_IMAGE } from '../../helpers/images.js';
import { ringCli } from '../../helpers/processes.js';
import { docker, running, serverPerSuite, waitFor } from './support.js';

const fast = { interval: '200ms', timeout: '1s', threshold: 2 };

describe('health-check actions and the readiness gate', () => {
  const { ns, api } = serverPerSuite('hca');

  test('alert: a command probe exiting 1 fails; at the threshold an error event, nothing else changes', async () => {
    const d = await api.deploy({ namespace: ns, name: 'alert', image: HTTPD_IMAGE,
      health_checks: [{ type: 'command', command: 'sh -c "exit 1"', ...fast, on_failure: 'alert' }] });
    await api.waitStatus(d.id, 'running');
    const [before] = await running(d.id);
    const ev = await api.waitEvent(d.id, 'health_check_alert');
    assert.equal(ev.level, 'error');
    assert.equal(ev.component, 'health_checker');
    assert.equal(ev.message, `Health check failed for instance ${before!.Id.slice(0, 12)}: Command exited 1`);
    const results = await api.healthChecks(d.id);
    assert.ok(results.length >= 2 && results.every((r) => r.status === 'failed' && r.message === 'Command exited 1'), JSON.stringify(results.slice(0, 3)));
    const now = await api.get(d.id);
    assert.equal(now.status, 'running');
    assert.equal(now.restart_count, 0);
    assert.deepEqual((await running(d.id)).map((c) => c.Id), [before!.Id], 'the container was left alone');
    assert.equal((await api.call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('restart: the failing instance is removed on purpose and replaced, without counting a crash', async () => {
    const d = await api.deploy({ namespace: ns, name: 'restart', image: HTTPD_IMAGE,
      health_checks: [{ type: 'http', url: 'http://localhost/missing', ...fast, on_failure: 'restart' }] });
    await api.waitStatus(d.id, 'running');
    const [first] = await running(d.id);
    const ev = await api.waitEvent(d.id, 'health_check_instance_restart');
    assert.equal(ev.level, 'warning');
    assert.match(ev.message, new RegExp(`^Health check failed for instance ${first!.Id.slice(0, 12)} \\(HTTP check failed with status 404 for http://[0-9.]+/missing\\), triggering instance restart$`));
    const replacement = await waitFor('a replacement container', async () => (await running(d.id)).find((c) => c.Id !== first!.Id), 20_000);
    assert.ok(replacement);
    const now = await api.get(d.id);
    assert.equal(now.restart_count, 0, 'a probe restart is not a crash');
    const reasons = (await api.events(d.id)).map((e) => e.reason);
    assert.ok(!reasons.includes('container_crashed') && !reasons.includes('container_died'), reasons.join());
    assert.equal((await api.call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('stop: the deployment is marked deleted and torn down', async () => {
    const d = await api.deploy({ namespace: ns, name: 'stop', image: HTTPD_IMAGE, replicas: 2,
      health_checks: [{ type: 'tcp', port: 81, ...fast, on_failure: 'stop' }] });
    await api.waitStatus(d.id, 'running');
    // The event lives until the row is purged (after its containers are gone): poll closely.
    const ev = await api.waitEvent(d.id, 'health_check_stop', 30_000, 30);
    assert.equal(ev.level, 'warning');
    assert.equal(ev.component, 'health_checker');
    await waitFor('the deployment purged', async () => (await api.get(d.id)) === undefined, 20_000);
    assert.equal((await running(d.id)).length, 0);
  });

  test('the gate holds creating until the readiness command passes for min_healthy_time; the command is also the Docker HEALTHCHECK', async () => {
    const d = await api.deploy({ namespace: ns, name: 'gate', image: HTTPD_IMAGE,
      health_checks: [{ type: 'command', command: 'test -f /tmp/ready', interval: '200ms', timeout: '1s', threshold: 3,
        on_failure: 'restart', readiness: true, min_healthy_time: '1s' }] });
    const [c] = await waitFor('the container', async () => { const r = await running(d.id); return r.length ? r : undefined; });
    const inspect = await docker.getContainer(c!.Id).inspect();
    assert.deepEqual(inspect.Config.Healthcheck?.Test, ['CMD-SHELL', 'test -f /tmp/ready']);
    assert.equal(inspect.Config.Healthcheck?.Interval, 200_000_000);
    // Five failed results (the probe's pace is the machine's: a loaded host runs docker exec slowly).
    const red = await waitFor('five failed results', async () => { const r = await api.healthChecks(d.id); return r.length >= 5 ? r : undefined; }, 60_000);
    assert.equal((await api.get(d.id)).status, 'creating');
    assert.ok(red.every((r) => r.status === 'failed'), red.map((r) => r.status).join(','));
    assert.equal((await running(d.id))[0]!.Id, c!.Id, 'record-only while creating: no restart fired');

    // The docker CLI, not dockerode: a detached exec through dockerode leaves its socket open for minutes.
    execFileSync('docker', ['exec', c!.Id, 'sh', '-c', 'echo ok > /tmp/ready']);
    const green = Date.now();
    await api.waitStatus(d.id, 'running', 60_000);
    const waited = Date.now() - green;
    // Only the lower bound is behaviour (the window is honoured); how soon after is the machine's speed.
    assert.ok(waited >= 1000, `running after ${waited} ms`);
    const events = await api.events(d.id);
    assert.ok(events.some((e) => e.message === 'Status changed from creating to running (1 containers)'));
    assert.equal((await api.call('DELETE', `/deployments/${d.id}`)).status, 204);
  });

  test('health-checks API and CLI: newest first, --limit, --latest = the newest result of each declared check', async () => {
    const d = await api.deploy({ namespace: ns, name: 'history', image: HTTPD_IMAGE,
      health_checks: [{ type: 'tcp', port: 80, ...fast, on_failure: 'alert' }, { type: 'http', url: 'http://localhost/health', ...fast, on_failure: 'alert' }] });
    await api.waitStatus(d.id, 'running');
    await waitFor('results of both checks', async () => {
      const r = await api.healthChecks(d.id);
      return r.some((x) => x.check_index === 0) && r.some((x) => x.check_index === 1) && r.length >= 6;
    });
    const dir = mkdtempSync(join(tmpdir(), 'ring-hc-cli-'));
    try {
      writeFileSync(join(dir, 'config.toml'), `[contexts.default]\ncurrent = true\nhost = "127.0.0.1"\napi.scheme = "http"\napi.port = ${new URL(api.srv.url).port}\n`);
      const env = { ...process.env, RING_CONFIG_DIR: dir, RING_TOKEN: api.token, NO_COLOR: '1' };
      const cli = async (args: string[]) => {
        const r = await ringCli(args, env);
        assert.equal(r.code, 0, `ring ${args.join(' ')}: ${r.stderr}`);
        return JSON.parse(r.stdout) as any[];
      };
      const latest = await cli(['deployment', 'health-checks', d.id, '--latest', '--output', 'json']);
      assert.deepEqual(latest.map((r) => r.check_index).sort(), [0, 1]);
      assert.deepEqual(latest.map((r) => r.check_type).sort(), ['http', 'tcp']);
      assert.ok(latest.every((r) => r.status === 'success'));
      const three = await cli(['deployment', 'health-checks', d.id, '--limit', '3', '--output', 'json']);
      assert.equal(three.length, 3);
      const stamps = three.map((r) => r.started_at);
      assert.deepEqual([...stamps].sort().reverse(), stamps, 'newest first');
      for (const key of ['id', 'deployment_id', 'instance_id', 'check_index', 'check_type', 'status', 'message', 'created_at', 'started_at', 'finished_at']) {
        assert.ok(key in three[0], `missing ${key}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal((await api.call('DELETE', `/deployments/${d.id}`)).status, 204);
  });
});

describe('the readiness deadline', () => {
  const { ns, api } = serverPerSuite('hcd', { RING_ROLLOUT_DEADLINE: '3' });

  test('a worker whose readiness never turns green fails with readiness_deadline_exceeded', async () => {
    const t0 = Date.now();
    const d = await api.deploy({ namespace: ns, name: 'never', image: HTTPD_IMAGE,
      health_checks: [{ type: 'http', url: 'http://localhost/missing', interval: '300ms', timeout: '1s', readiness: true, min_healthy_time: '500ms' }] });
    await api.waitStatus(d.id, 'failed', 60_000);
    const ms = Date.now() - t0;
    // Never before the deadline; how long after it is the machine's speed.
    assert.ok(ms >= 3000, `failed after ${ms} ms with a 3 s deadline`);
    const ev = (await api.events(d.id)).find((e) => e.reason === 'readiness_deadline_exceeded');
    assert.ok(ev);
    assert.equal(ev.level, 'error');
    assert.equal(ev.message, 'Readiness checks were not green within the 3s rollout deadline; deployment failed');
  });
});
