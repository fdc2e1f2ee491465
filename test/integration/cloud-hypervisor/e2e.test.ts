// Upstream's CH e2e scenarios (tests/e2e/cloud-hypervisor t1–t25 but t6/t13, which need a host TAP)
// through `ring server start` and the `ring` CLI, with the simulator as the binary and guests on
// 127.42.0.0/16 (loopback only, NAT off). Each scenario deletes what it made.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../helpers/server-process.js';
import { ChRing, poll } from './e2e-support.js';

describe('cloud-hypervisor end to end (simulator)', () => {
  const ring = new ChRing();
  before(() => ring.start());
  after(() => ring.cleanup());

  test('t1 boot_delete: running, a socket and a raw disk; after delete none', async () => {
    const id = await ring.apply({ name: 't1', image: ring.disk({ console: ['login:'] }, 't1.raw') });
    await ring.waitStatus(id, ['running']);
    assert.equal(ring.files('.sock', id).length, 1);
    assert.equal(ring.files('.raw', id).length, 1);
    await ring.remove(id);
    assert.equal(ring.files('.sock', id).length, 0);
    assert.equal(ring.files('.raw', id).length, 0);
    assert.deepEqual(ring.vmmPids().filter(() => ring.files('', id).length > 0), [], 'no VMM left (Ring leaks one per stop)');
  });

  test('t2/t9 replicas and scale-down: 3 distinct VMs, then 1, restart_count 0, running', async () => {
    const image = ring.disk({}, 't2.raw');
    const id = await ring.apply({ name: 't2', image, replicas: 3 });
    await ring.waitStatus(id, ['running']);
    await poll('3 sockets', async () => (ring.files('.sock', id).length === 3 ? true : undefined));
    assert.equal(new Set(ring.files('.raw', id)).size, 3);
    const id2 = await ring.apply({ name: 't2', image, replicas: 1 });
    await poll('1 socket left', async () => (ring.files('.sock').filter((f) => f.startsWith(`ch-${id.slice(0, 8)}`) || f.startsWith(`ch-${id2.slice(0, 8)}`)).length === 1 ? true : undefined), 120_000);
    const d = await ring.waitStatus(id2, ['running']);
    assert.equal(d.restart_count, 0);
    await ring.remove(id2);
    if (id !== id2) await poll('old purged', async () => ((await ring.api('GET', `/deployments/${id}`)).status === 404 ? true : undefined), 120_000);
  });

  test('t4 environment: CIDATA ISO 9660 seed with the env files, removed on delete', async () => {
    const id = await ring.apply({ name: 't4', image: ring.disk({}, 't4.raw'), environment: { APP_MODE: 'e2e', QUOTE: "it's" } });
    await ring.waitStatus(id, ['running']);
    const [iso] = ring.files('.cidata.iso', id);
    assert.ok(iso);
    const toc = spawnSync('xorriso', ['-indev', join(ring.socketDir, iso), '-toc'], { encoding: 'utf8' });
    assert.match(`${toc.stdout}${toc.stderr}`, /Volume id\s*:\s*'CIDATA'/);
    const out = join(ring.dir, 't4-iso');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', join(ring.socketDir, iso), '-extract', '/', out], { stdio: 'ignore' });
    const ud = readFileSync(join(out, 'user-data'), 'utf8');
    assert.match(ud, /\/etc\/ring\/env/);
    assert.ok([...ud.matchAll(/content: (\S+)/g)].some((m) => Buffer.from(m[1]!, 'base64').toString().includes("APP_MODE='e2e'")));
    assert.match(readFileSync(join(out, 'meta-data'), 'utf8'), /^instance-id: ch-/m);
    await ring.remove(id);
    assert.equal(ring.files('.cidata.iso', id).length, 0);
  });

  test('t5/t14 volumes: per-replica virtiofsd with pid files, mounts in user-data; named dir kept; scale-down drops one replica\'s', async () => {
    const src = ring.mkdir('t5-bind');
    const volumes = [{ type: 'bind', source: src, destination: '/data', driver: 'local', permission: 'rw' },
      { type: 'volume', source: 't5-cache', destination: '/cache', driver: 'local', permission: 'ro' }];
    const image = ring.disk({}, 't5.raw');
    const id = await ring.apply({ name: 't5', image, replicas: 2, volumes });
    await ring.waitStatus(id, ['running']);
    await poll('4 pid files', async () => (ring.files('.sock.pid').length === 4 ? true : undefined));
    const [iso] = ring.files('.cidata.iso', id);
    const out = join(ring.dir, 't5-iso');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', join(ring.socketDir, iso!), '-extract', '/', out], { stdio: 'ignore' });
    assert.match(readFileSync(join(out, 'user-data'), 'utf8'), /mounts:\n {2}- \["bind-0", "\/data", "virtiofs"/);
    const named = join(ring.socketDir, 'volumes', 'default', 't5-cache');
    assert.ok(existsSync(named));
    // t14: scaling down to one replica stops that replica's file servers only.
    const id2 = await ring.apply({ name: 't5', image, replicas: 1, volumes });
    await poll('2 pid files', async () => (ring.files('.sock.pid').length === 2 ? true : undefined), 120_000);
    await ring.waitStatus(id2, ['running']);
    await ring.remove(id2);
    if (id2 !== id) await poll('old purged', async () => ((await ring.api('GET', `/deployments/${id}`)).status === 404 ? true : undefined), 120_000);
    assert.equal(ring.files('.sock.pid').length, 0);
    assert.ok(existsSync(named), 'named volume dir kept');
  });

  test('t7 logs and t8 limits: console levels through `ring deployment logs`; vm.info sizing over the socket', async () => {
    const console = ['[    0.000000] Linux version 6.1.0', '<3>EXT4-fs error', '<4>warning: clock skew', ...Array.from({ length: 10 }, (_, i) => `line ${i}`)];
    const id = await ring.apply({ name: 't7', image: ring.disk({ console }, 't7.raw'), resources: { limits: { cpu: '2', memory: '512Mi' } } });
    await ring.waitStatus(id, ['running']);
    const logs = await poll('logs', async () => {
      const r = await ring.cli(['deployment', 'logs', id, '--tail', '5']);
      return r.code === 0 && r.stdout.includes('line 9') ? r : undefined;
    });
    assert.ok(logs.stdout.trim().split('\n').length <= 8, logs.stdout);
    const all = await ring.api('GET', `/deployments/${id}/logs`);
    assert.ok((all.json as { level: string }[]).some((l) => l.level !== 'unknown'));
    const [sock] = ring.files('.sock', id);
    const info = JSON.parse(execFileSync('curl', ['-s', '--unix-socket', join(ring.socketDir, sock!), 'http://localhost/api/v1/vm.info'], { encoding: 'utf8' }));
    assert.equal(info.config.cpus.boot_vcpus, 2);
    assert.equal(info.config.memory.size, 512 * 2 ** 20);
    await ring.remove(id);
    assert.equal(ring.files('.console.log', id).length, 0);
  });

  test('B10: a worker VM that crashes, or whose guest powers off, counts one restart and is replaced', async () => {
    const crash = await ring.apply({ name: 'b10crash', image: ring.disk({ crash_after_ms: 3_000 }, 'b10c.raw') });
    await poll('a counted crash', async () => ((await ring.deployment(crash)).restart_count >= 1 ? true : undefined), 90_000);
    const off = await ring.apply({ name: 'b10off', image: ring.disk({ poweroff_after_ms: 3_000 }, 'b10o.raw') });
    await poll('a counted poweroff', async () => ((await ring.deployment(off)).restart_count >= 1 ? true : undefined), 90_000);
    // Replaced: a new VM of each boots after the first one ended.
    await poll('replacements', async () => ((await ring.deployment(crash)).instances.length >= 1 && (await ring.deployment(off)).instances.length >= 1 ? true : undefined), 60_000);
    assert.notEqual((await ring.deployment(off)).status, 'completed', 'a worker is not completed by a poweroff');
    await ring.remove(crash);
    await ring.remove(off);
  });

  test('t10/t19 rolling update: v2 has v1 as parent; an unready v2 never drains v1; a ready v3 (command readiness over vsock) does', async () => {
    const v1 = await ring.apply({ name: 't10', image: ring.disk({ agent: true }, 't10a.raw') });
    await ring.waitStatus(v1, ['running']);
    // No published port (a rolling update publishes none), so no guest network: the tcp gate stays shut.
    const v2 = await ring.apply({ name: 't10', image: ring.disk({ agent: true }, 't10b.raw'),
      health_checks: [{ type: 'tcp', port: 22, interval: '1s', timeout: '1s', readiness: true }] });
    assert.notEqual(v2, v1);
    assert.equal((await ring.deployment(v2)).parent_id, v1);
    await poll('failed readiness rows', async () => (((await ring.api('GET', `/deployments/${v2}/health-checks`)).json as { status: string }[])
      .some((r) => r.status === 'failed') ? true : undefined), 60_000);
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal((await ring.deployment(v1)).status, 'running', 'the parent survives an unready child');
    assert.equal((await ring.deployment(v2)).status, 'creating');
    const v3 = await ring.apply({ name: 't10', image: ring.disk({ agent: true }, 't10c.raw'),
      health_checks: [{ type: 'command', command: 'true', interval: '1s', timeout: '5s', readiness: true }] });
    await ring.waitStatus(v3, ['running']);
    await poll('v1 drained', async () => {
      const r = await ring.api('GET', `/deployments/${v1}`);
      return r.status === 404 || r.json.status === 'deleted' ? true : undefined;
    }, 120_000);
    await ring.remove(v3);
    for (const id of [v1, v2]) await poll(`${id} purged`, async () => ((await ring.api('GET', `/deployments/${id}`)).status === 404 ? true : undefined), 120_000);
  });

  test('t11 image_not_found: image_pull_back_off, restart_count 0, no socket', async () => {
    const id = await ring.apply({ name: 't11', image: '/nonexistent/t11.raw' });
    await ring.waitStatus(id, ['image_pull_back_off']);
    await new Promise((r) => setTimeout(r, 5_000));
    const d = await ring.deployment(id);
    assert.equal(d.status, 'image_pull_back_off');
    assert.equal(d.restart_count, 0);
    assert.equal(ring.files('.sock', id).length, 0);
    const ev = await ring.events(id);
    assert.ok(ev.some((e) => e.reason === 'ImageNotFound' && e.component === 'cloud-hypervisor'));
    await ring.remove(id);
  });

  test('t17 command check: accepted, a vsock device, the probe names ring-agent when the guest has none; .vsock gone on delete', async () => {
    const id = await ring.apply({ name: 't17', image: ring.disk({ agent: false }, 't17.raw'),
      health_checks: [{ type: 'command', command: 'true', interval: '1s', timeout: '2s', threshold: 100, on_failure: 'alert' }] });
    await ring.waitStatus(id, ['running']);
    assert.equal(ring.files('.vsock', id).length, 1);
    const [sock] = ring.files('.sock', id);
    assert.match(execFileSync('curl', ['-s', '--unix-socket', join(ring.socketDir, sock!), 'http://localhost/api/v1/vm.info'], { encoding: 'utf8' }), /"vsock"/);
    const rows = await poll('a failed probe', async () => {
      const r = (await ring.api('GET', `/deployments/${id}/health-checks`)).json as { status: string; message: string }[];
      return r.find((x) => x.status === 'failed');
    });
    assert.match(rows.message, /ring-agent/);
    await ring.remove(id);
    assert.equal(ring.files('.vsock', id).length, 0);
  });

  // Was skipped for an intermittent restart_count 2: the simulated guest's port-22 listener died of
  // the ECONNRESET a tcp probe's close causes, taking the VMM with it (two real crashes, each counted
  // once). Fixed in the simulator; lifecycle.test.ts holds the deterministic regression test.
  test('t17 (agent present) and t15: a passing command check; a tcp check on the guest IP that fails alerts without restarts', async () => {
    const id = await ring.apply({ name: 't15', image: ring.disk({ agent: true, listen: [{ port: 22 }] }, 't15.raw'),
      ports: [{ published: await freePort(), target: 22 }],
      health_checks: [
        // Generous thresholds on the passing checks: on a loaded machine one may time out now and
        // then, and the restart that caused would be mistaken for one caused by the alerting check.
        { type: 'command', command: 'exit 0', interval: '1s', timeout: '5s', threshold: 20 },
        { type: 'tcp', port: 22, interval: '1s', timeout: '2s', threshold: 20 },
        { type: 'tcp', port: 9, interval: '1s', timeout: '1s', threshold: 2, on_failure: 'alert' },
      ] });
    await ring.waitStatus(id, ['running']);
    const rows = await poll('command ok, tcp:22 ok, tcp:9 failed', async () => {
      const r = (await ring.api('GET', `/deployments/${id}/health-checks`)).json as { check_type: string; status: string; message: string }[];
      const ok = r.some((x) => x.check_type === 'command' && x.status === 'success') && r.some((x) => x.check_type === 'tcp' && x.status === 'success')
        && r.some((x) => x.check_type === 'tcp' && x.status === 'failed');
      return ok ? r : undefined;
    }, 90_000);
    assert.ok(rows.find((x) => x.status === 'failed')!.message.length > 0);
    await poll('HealthCheckAlert-like event', async () => ((await ring.events(id)).some((e) => /alert/i.test(e.reason)) ? true : undefined), 60_000);
    // Every counted restart's event says why, so a failure here points at its cause.
    const d = await ring.deployment(id);
    assert.equal(d.restart_count, 0, JSON.stringify((await ring.events(id)).filter((e) => e.level !== 'info').map((e) => e.message)));
    await ring.remove(id);
  });

  test('B11: a job whose VM crashes counts +1 per crash and fails at the fifth with job_failed', async () => {
    const id = await ring.apply({ name: 'b11', kind: 'job', image: ring.disk({ crash_after_ms: 300 }, 'b11.raw') });
    const d = await ring.waitStatus(id, ['failed'], 180_000);
    assert.equal(d.restart_count, 5);
    const ev = await ring.events(id);
    const crashes = ev.filter((e) => e.reason === 'container_crashed');
    assert.equal(crashes.length, 5, 'each crash counted exactly once');
    assert.ok(crashes.every((e) => e.component === 'cloud-hypervisor' && /^VM ch-[0-9a-f]{8}-[0-9a-f]{8} crashed before the job finished/.test(e.message)),
      JSON.stringify(crashes));
    assert.equal(new Set(crashes.map((e) => e.message.split(' ')[1])).size, 5, 'five distinct VMs');
    assert.ok(ev.some((e) => e.reason === 'job_failed'));
    assert.ok(!ev.some((e) => e.reason === 'job_completed'));
    await ring.remove(id);
  });

  test('t18 metrics: fields, usage > 0, limit = VM RAM, pids ≥ 2, disk and net present', async () => {
    const id = await ring.apply({ name: 't18', image: ring.disk({}, 't18.raw'), resources: { limits: { memory: '256Mi' } } });
    await ring.waitStatus(id, ['running']);
    const m = await poll('metrics', async () => {
      const r = await ring.cli(['deployment', 'metrics', id, '-o', 'json']);
      if (r.code !== 0) return undefined;
      const j = JSON.parse(r.stdout);
      return j.instance_count === 1 || j.instances?.length === 1 ? j : undefined;
    }, 60_000);
    const text = JSON.stringify(m);
    assert.match(text, /usage_bytes/);
    assert.match(text, /limit_bytes":268435456/);
    assert.match(text, /disk/);
    assert.match(text, /net/);
    await ring.remove(id);
  });

  test('t20 port_conflict: PortAllocationFailed, retried into a failure status; the blocker keeps its port', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((r) => blocker.listen(0, '0.0.0.0', () => r((blocker.address() as { port: number }).port)));
    try {
      const id = await ring.apply({ name: 't20', image: ring.disk({}, 't20.raw'), ports: [{ published: port, target: 80 }] });
      await poll('PortAllocationFailed', async () => ((await ring.events(id)).some((e) => e.reason === 'PortAllocationFailed') ? true : undefined), 60_000);
      await ring.waitStatus(id, ['error', 'crash_loop_back_off', 'failed']);
      assert.ok(blocker.listening);
      await ring.remove(id);
    } finally {
      blocker.close();
    }
  });

  test('t21 job: the guest powers off → completed (job_completed), socket and disk gone, sticky', async () => {
    const id = await ring.apply({ name: 't21', kind: 'job', image: ring.disk({ poweroff_after_ms: 2_000 }, 't21.raw') });
    await ring.waitStatus(id, ['completed'], 240_000);
    assert.ok((await ring.events(id)).some((e) => e.reason === 'job_completed'));
    await poll('socket and raw gone', async () => (ring.files('.sock', id).length === 0 && ring.files('.raw', id).length === 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal((await ring.deployment(id)).status, 'completed');
    await ring.remove(id);
  });

  test('t22 rotation: 4096 B / 2 backups → .console.log.1, logs --tail 100000 ≥ 5 lines, all removed on delete', async () => {
    const id = await ring.apply({ name: 't22', image: ring.disk({ console_every_ms: 20, console_line: `[    2.0] ${'r'.repeat(80)}` }, 't22.raw') });
    await ring.waitStatus(id, ['running']);
    await poll('.console.log.1', async () => (ring.files('.console.log.1', id).length === 1 ? true : undefined), 90_000);
    const r = await ring.cli(['deployment', 'logs', id, '--tail', '100000']);
    assert.ok(r.stdout.trim().split('\n').length >= 5);
    assert.equal(ring.files('.console.log.3', id).length, 0);
    await ring.remove(id);
    assert.equal(ring.files('.console.log.1', id).length, 0);
  });

  test('t23 memory: far above the host → insufficient_resources, "insufficient host memory", no VMM spawned', async () => {
    const before = ring.vmmPids().length;
    const id = await ring.apply({ name: 't23', image: ring.disk({}, 't23.raw'), resources: { limits: { memory: '15Ti' } } });
    await ring.waitStatus(id, ['insufficient_resources']);
    assert.ok((await ring.events(id)).some((e) => /insufficient host memory/.test(e.message)));
    assert.equal(ring.files('.sock', id).length, 0);
    assert.ok(ring.vmmPids().length <= before);
    await ring.remove(id);
  });

  test('t24 ignored fields: one warning naming what CH ignores', async () => {
    const id = await ring.apply({ name: 't24', image: ring.disk({}, 't24.raw'), resources: { requests: { memory: '64Mi' } },
      config: { image_pull_policy: 'IfNotPresent', server: 'registry.example', password: 'x' } });
    const warn = (await ring.events(id)).filter((e) => e.reason === 'cloud_hypervisor_ignored_fields');
    assert.equal(warn.length, 1);
    for (const f of ['resources.requests', 'config.image_pull_policy', 'config.server', 'config.password']) assert.ok(warn[0]!.message.includes(f), f);
    assert.ok(!warn[0]!.message.includes('config.username'));
    await ring.remove(id);
  });

  test('a runtime not enabled here is refused with 422 and nothing stored', async () => {
    const r = await ring.api('POST', '/deployments', { name: 'nope', namespace: 'default', runtime: 'docker', image: 'busybox' });
    assert.equal(r.status, 422);
    assert.match(JSON.stringify(r.json), /runtime 'docker' is not enabled on this server \(enabled: cloud-hypervisor\)/);
    const list = (await ring.api('GET', '/deployments')).json as { name: string }[];
    assert.equal(list.some((d) => d.name === 'nope'), false);
  });

  test('t25 restart: the VMM outlives a killed server, is rediscovered running, and probes resume', async () => {
    const id = await ring.apply({ name: 't25', image: ring.disk({ agent: true }, 't25.raw'),
      health_checks: [{ type: 'command', command: 'true', interval: '1s', timeout: '5s' }] });
    await ring.waitStatus(id, ['running']);
    const vmms = ring.vmmPids();
    assert.ok(vmms.length >= 1);
    await ring.stop('SIGKILL');
    assert.deepEqual(ring.vmmPids(), vmms, 'VMs outlive the server');
    await ring.start();
    const d = await ring.waitStatus(id, ['running']);
    assert.equal(d.restart_count, 0);
    const count = async () => ((await ring.api('GET', `/deployments/${id}/health-checks?limit=1000`)).json as unknown[]).length;
    const n0 = await count();
    await poll('probe rows keep growing', async () => ((await count()) > n0 ? true : undefined), 60_000);
    assert.deepEqual(ring.vmmPids(), vmms, 'the same VM, not a replacement');
    await ring.remove(id);
  });
});

describe('cloud-hypervisor end to end: firmware problems (t12, t3)', () => {
  const ring = new ChRing({ firmware: 'missing' });
  before(() => ring.start());
  after(() => ring.cleanup());

  test('t12 firmware_missing: failed, restart_count 0, FirmwareNotFound', async () => {
    const id = await ring.apply({ name: 't12', image: ring.disk({}, 't12.raw') });
    const d = await ring.waitStatus(id, ['failed']);
    assert.equal(d.restart_count, 0);
    assert.ok((await ring.events(id)).some((e) => e.reason === 'FirmwareNotFound' && e.component === 'cloud-hypervisor'));
    await ring.remove(id);
  });

  test('t3 crashloop: an empty firmware fails every boot → crash_loop_back_off, restart_count ≥ 5, ≤ 6 .raw ever', async () => {
    writeFileSync(ring.firmware, '');
    let maxRaw = 0;
    const id = await ring.apply({ name: 't3', image: ring.disk({}, 't3.raw') });
    const d = await poll('crash_loop_back_off', async () => {
      maxRaw = Math.max(maxRaw, ring.files('.raw', id).length);
      const x = await ring.deployment(id);
      return x.status === 'crash_loop_back_off' ? x : undefined;
    }, 180_000, 50);
    assert.ok(d.restart_count >= 5);
    assert.ok(maxRaw <= 6);
    assert.equal(ring.files('.raw', id).length, 0, 'every failed boot cleaned up');
    assert.ok((await ring.events(id)).some((e) => e.reason === 'VmStartFailed' && /Cannot load the kernel into memory/.test(e.message)));
    await ring.remove(id);
    rmSync(ring.firmware, { force: true });
  });
});
