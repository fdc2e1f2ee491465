// The Swarm backend on a real single-node Swarm: a dockerd of the test's own (so the engine the
// other tests use never becomes a manager), driven through ring's API like a user would.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ensureTestImages, BUSYBOX_IMAGE, HTTPD_IMAGE, HTTPD_V2_IMAGE } from '../../helpers/images.js';
import { copyImages, startPrivateDockerd, type PrivateDockerd } from '../../helpers/private-dockerd.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { sleep, waitFor } from '../../helpers/processes.js';

const ns = `sw-${randomBytes(3).toString('hex')}`;

describe('runtime: swarm on a real single-node Swarm', { timeout: 600_000 }, () => {
  let engine: PrivateDockerd | undefined;
  let skip: string | undefined;
  let srv: TestServer;
  let token: string;

  before(async () => {
    const started = await startPrivateDockerd({ pool: '10.216.0.0/16' });
    if ('skip' in started) { skip = started.skip; return; }
    engine = started;
    // Own ports: another Swarm on this host (a benchmark's) may hold the defaults 2377 and 4789.
    const port = 20000 + Math.floor(Math.random() * 20000);
    const init = await engine.cli(['swarm', 'init', '--advertise-addr', `127.0.0.1:${port}`, '--listen-addr', `127.0.0.1:${port}`,
      '--data-path-port', String(port + 1)]);
    if (init.code !== 0) { skip = `docker swarm init refused here: ${init.stderr.trim()}`; return; }
    await ensureTestImages();
    await copyImages(engine, [BUSYBOX_IMAGE, HTTPD_IMAGE, HTTPD_V2_IMAGE]);
    srv = await startTestServer({ RING_SWARM_HOST: engine.host, RING_ROLLOUT_DEADLINE: '90' });
    token = await srv.adminToken();
  });
  after(async () => {
    await srv?.close();
    await engine?.destroy();
  });

  const post = async (body: Record<string, unknown>) => {
    const r = await srv.request('POST', '/deployments', { token, body: { namespace: ns, runtime: 'swarm', kind: 'worker', ...body } });
    return r;
  };
  const get = async (id: string) => (await srv.request('GET', `/deployments/${id}`, { token })).json;
  const events = async (id: string) => ((await srv.request('GET', `/deployments/${id}/events`, { token })).json ?? []) as { reason: string; message: string }[];
  // Generous: Swarm's task scheduling and health checks on a loaded host (load average ~45) took over 120 s.
  const statusIs = async (id: string, want: string, timeoutMs = 300_000) => {
    let last: unknown;
    try {
      return await waitFor(`deployment ${id} ${want}`, async () => ((last = (await get(id))?.status) === want ? true : undefined), timeoutMs, 500);
    } catch (e) {
      throw new Error(`${(e as Error).message} (last status ${String(last)}; events: ${JSON.stringify((await events(id)).slice(0, 8))})`);
    }
  };
  const purged = (id: string, timeoutMs = 180_000) =>
    waitFor(`deployment ${id} purged`, async () => ((await srv.request('GET', `/deployments/${id}`, { token })).status === 404 ? true : undefined), timeoutMs, 500);
  const tasks = async (service: string) => {
    const r = await engine!.cli(['service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}']);
    return r.stdout.split('\n').filter((l) => l.startsWith('Running'));
  };

  it('2 replicas: a replicated service with 2 running tasks, status running', async (t) => {
    if (skip) return t.skip(skip);
    const r = await post({ name: 'idle', image: BUSYBOX_IMAGE, replicas: 2 });
    assert.equal(r.status, 201, r.text);
    await statusIs(r.json.id, 'running');
    assert.equal((await tasks(`${ns}_idle`)).length, 2);
    const ls = await engine!.cli(['network', 'inspect', `ring_${ns}`, '--format', '{{.Driver}} {{.Attachable}}']);
    assert.equal(ls.stdout.trim(), 'overlay true');
  });

  it('refuses what Swarm cannot express, naming each field (422, nothing stored)', async (t) => {
    if (skip) return t.skip(skip);
    const r = await post({
      name: 'bad', image: BUSYBOX_IMAGE, config: { image_pull_policy: 'Never' },
      environment: { PASS: { secretRef: 'x' } },
      volumes: [{ type: 'bind', source: '/srv', destination: '/x', driver: 'local', permission: 'rw' }],
    });
    assert.equal(r.status, 422, r.text);
    const paths = (r.json.violations as { property_path: string }[]).map((v) => v.property_path).sort();
    assert.deepEqual(paths, ['config.image_pull_policy', 'environment.PASS', 'volumes[0].source']);
    const list = (await srv.request('GET', `/deployments?namespace=${ns}`, { token })).json as { name: string }[];
    assert.equal(list.some((d) => d.name === 'bad'), false);
  });

  it('rolling update with readiness: no failed request from a client on the overlay; a never-healthy update rolls back with the old version serving', async (t) => {
    if (skip) return t.skip(skip);
    const web = (image: string, path: string) => post({
      name: 'web', image, replicas: 2,
      health_checks: [{ type: 'http', url: `http://localhost:80${path}`, interval: '1s', timeout: '1s', threshold: 2, on_failure: 'restart', readiness: true, min_healthy_time: '2s' }],
    });
    const v1 = await web(HTTPD_IMAGE, '/health');
    assert.equal(v1.status, 201, v1.text);
    await statusIs(v1.json.id, 'running');

    const client = `client-${ns}`;
    const c = await engine!.cli(['run', '-d', '--name', client, '--network', `ring_${ns}`, BUSYBOX_IMAGE, 'sh', '-c',
      'while true; do if wget -q -O - http://web/ 2>/dev/null; then echo; else echo FAIL; fi; sleep 0.2; done']);
    assert.equal(c.code, 0, c.stderr);
    const answers = async () => (await engine!.cli(['logs', client])).stdout.split('\n').filter((l) => l.trim() !== '');
    try {
      await waitFor('client answers v1', async () => ((await answers()).includes('v1') ? true : undefined), 60_000);
      const before = (await answers()).length;

      const v2 = await web(HTTPD_V2_IMAGE, '/health');
      assert.equal(v2.status, 201, v2.text);
      await purged(v1.json.id);
      await statusIs(v2.json.id, 'running');
      await sleep(1500);
      const during = (await answers()).slice(before);
      assert.ok(during.includes('v2'), `the client never saw v2: ${during.slice(-5).join(',')}`);
      assert.equal(during.filter((l) => l === 'FAIL').length, 0, `failed requests during the roll: ${during.join(',')}`);
      assert.equal(during.slice(-3).every((l) => l === 'v2'), true, `after the roll the client still gets ${during.slice(-3)}`);

      // v3's readiness URL answers 404: Swarm rolls back, the child fails, v2 keeps serving.
      const v3 = await web(HTTPD_V2_IMAGE.replace(':v2', ':v1'), '/nope');
      assert.equal(v3.status, 201, v3.text);
      await statusIs(v3.json.id, 'failed', 240_000);
      const ev = await events(v3.json.id);
      assert.ok(ev.some((e) => e.reason === 'rolling_update_failed'), JSON.stringify(ev));
      assert.equal((await get(v2.json.id)).status, 'running');
      await sleep(3000);
      assert.deepEqual((await answers()).slice(-3), ['v2', 'v2', 'v2']);
    } finally {
      await engine!.cli(['rm', '-f', client]);
    }
  });

  it('jobs: one completed, one failed with its exit code', async (t) => {
    if (skip) return t.skip(skip);
    const ok = await post({ name: 'job-ok', kind: 'job', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo done'] });
    const bad = await post({ name: 'job-bad', kind: 'job', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'exit 7'] });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(bad.status, 201, bad.text);
    await statusIs(ok.json.id, 'completed');
    await statusIs(bad.json.id, 'failed');
    assert.ok((await events(bad.json.id)).some((e) => /exit code 7/.test(e.message)));
    const logs = (await srv.request('GET', `/deployments/${ok.json.id}/logs`, { token })).json as { message: string }[];
    assert.ok(logs.some((l) => l.message.includes('done')), JSON.stringify(logs));
  });

  it('a secret and a config reach the task as files (and a _FILE variable points at the secret)', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal((await srv.request('POST', '/namespaces', { token, body: { name: ns } })).status < 500, true);
    const s = await srv.request('POST', '/secrets', { token, body: { namespace: ns, name: 'db-pass', value: 's3cret' } });
    assert.equal(s.status, 201, s.text);
    const cfg = await srv.request('POST', '/configs', { token, body: { namespace: ns, name: 'app', data: JSON.stringify({ 'app.conf': 'mode=swarm' }) } });
    assert.equal(cfg.status, 201, cfg.text);
    const r = await post({
      name: 'files', kind: 'job', image: BUSYBOX_IMAGE,
      environment: { DB_PASS_FILE: { secretRef: 'db-pass' } },
      volumes: [
        { type: 'secret', source: 'db-pass', destination: '/etc/db-pass', driver: 'local', permission: 'ro' },
        { type: 'config', source: 'app', key: 'app.conf', destination: '/etc/app.conf', driver: 'local', permission: 'ro' },
      ],
      command: ['sh', '-c', 'test "$(cat /etc/db-pass)" = s3cret && test "$(cat "$DB_PASS_FILE")" = s3cret && test "$(cat /etc/app.conf)" = mode=swarm'],
    });
    assert.equal(r.status, 201, r.text);
    await statusIs(r.json.id, 'completed');
  });

  it('a crash-looping worker ends crash_loop_back_off; a missing image is image_pull_back_off', async (t) => {
    if (skip) return t.skip(skip);
    const crash = await post({ name: 'crash', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'exit 3'] });
    // A registry port on loopback where nothing listens: the pull fails at once, nothing leaves the host.
    const missing = await post({ name: 'missing', image: '127.0.0.1:5999/ring-absent:1' });
    assert.equal(crash.status, 201, crash.text);
    assert.equal(missing.status, 201, missing.text);
    await statusIs(crash.json.id, 'crash_loop_back_off', 180_000);
    await statusIs(missing.json.id, 'image_pull_back_off');
  });

  it('delete removes the service and purges the row', async (t) => {
    if (skip) return t.skip(skip);
    const list = (await srv.request('GET', `/deployments?namespace=${ns}`, { token })).json as { id: string; name: string }[];
    const idle = list.find((d) => d.name === 'idle')!;
    assert.equal((await srv.request('DELETE', `/deployments/${idle.id}`, { token })).status, 204);
    await purged(idle.id);
    await waitFor('service gone', async () => ((await engine!.cli(['service', 'inspect', `${ns}_idle`])).code !== 0 ? true : undefined), 60_000);
  });
});
