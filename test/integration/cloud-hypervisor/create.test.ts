// B3, B4, B5 (t8), B6, B12, B13, B15, B19: create() against the simulator with real cp, xorriso,
// socat and virtiofsd (the fake Rust-dialect one, and Debian's C one when installed).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ChClient } from '../../../src/runtime/cloud-hypervisor/client.js';
import { CloudHypervisorRuntime } from '../../../src/runtime/cloud-hypervisor/index.js';
import { InstancePaths } from '../../../src/runtime/cloud-hypervisor/paths.js';
import { readSidecar } from '../../../src/runtime/cloud-hypervisor/sidecar.js';
import { pidsMentioning } from '../../../src/runtime/cloud-hypervisor/process.js';
import { RuntimeError } from '../../../src/runtime/runtime.js';
import { C_VIRTIOFSD, ChFixture, SIMULATOR, spec, until } from './support.js';

function rejectsWith(reason: string, eventReason: string, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof RuntimeError, String(e));
    assert.equal(e.reason, reason);
    assert.deepEqual(e.event, { component: 'cloud-hypervisor', reason: eventReason });
    if (re) assert.match(e.message, re);
    return true;
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

function httpGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end();
  });
}

describe('cloud-hypervisor create(): start order, bodies, seed, ports, volumes', () => {
  const fx = new ChFixture();
  after(() => fx.cleanup());

  test('B3: firmware, then disk, then port, then memory; nothing spawned, no file left', async () => {
    const image = fx.disk({});
    const noFw = new CloudHypervisorRuntime(fx.settings({ firmwarePath: join(fx.root, 'missing-fw') }));
    await assert.rejects(noFw.create(spec('/nonexistent/disk.raw')), rejectsWith('firmware_not_found', 'FirmwareNotFound', /missing-fw/));
    await assert.rejects(fx.runtime.create(spec('/nonexistent/disk.raw')), rejectsWith('disk_image_not_found', 'ImageNotFound', /\/nonexistent\/disk\.raw/));
    const blocker = createServer();
    const port = await new Promise<number>((r) => blocker.listen(0, '0.0.0.0', () => r((blocker.address() as { port: number }).port)));
    try {
      await assert.rejects(fx.runtime.create(spec(image, { ports: [{ published: port, target: 80, hostIp: '0.0.0.0', protocol: 'tcp' }] })),
        rejectsWith('port_allocation_failed', 'PortAllocationFailed', new RegExp(`Port ${port}/tcp`)));
    } finally {
      blocker.close();
    }
    await assert.rejects(fx.runtime.create(spec(image, { memoryBytes: 999 * 2 ** 40 })),
      rejectsWith('insufficient_resources', 'insufficient_resources', /insufficient host memory for 'vm': needs \d+ MiB but only \d+ MiB is available/));
    assert.deepEqual(fx.files(), []);
    assert.deepEqual(fx.processes(), []);
  });

  test('B4: a VMM that exits before its socket → VmStartFailed with the exit code and vmm.log tail, nothing left', async () => {
    const wrapper = join(fx.root, 'cloud-hypervisor-nokvm');
    writeFileSync(wrapper, `#!/bin/sh\nSIM_CH_REQUIRE_KVM=1 exec ${SIMULATOR} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const rt = new CloudHypervisorRuntime(fx.settings({ binaryPath: wrapper }));
    await assert.rejects(rt.create(spec(fx.disk({}))),
      rejectsWith('vm_start_failed', 'VmStartFailed', /cloud-hypervisor exited with code 1 before creating its API socket: .*no supported hypervisor/));
    assert.deepEqual(fx.files(), []);
  });

  /** The simulator started with extra environment (a slow start, slow answers). */
  function simulatorWith(name: string, env: Record<string, string>): string {
    const wrapper = join(fx.root, name);
    writeFileSync(wrapper, `#!/bin/sh\n${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} exec ${SIMULATOR} "$@"\n`);
    chmodSync(wrapper, 0o755);
    return wrapper;
  }

  test('B4: an API socket that appears late, or exists before it listens, is waited for; one that never appears in time fails cleanly', async () => {
    const slow = simulatorWith('cloud-hypervisor-slow', { SIM_CH_START_DELAY_MS: '1500' });
    const patient = new CloudHypervisorRuntime(fx.settings({ binaryPath: slow, socketTimeoutMs: 20_000 }));
    const { instance } = await patient.create(spec(fx.disk({}, 'late.raw')));
    assert.equal((await patient.list()).find((i) => i.id === instance.id)?.state, 'running');
    await patient.remove(instance.id);

    // The socket file exists a while before the VMM listens (bound, not yet listening): waited for too.
    const binding = simulatorWith('cloud-hypervisor-binding', { SIM_CH_LISTEN_DELAY_MS: '1500' });
    const careful = new CloudHypervisorRuntime(fx.settings({ binaryPath: binding, socketTimeoutMs: 20_000 }));
    const { instance: bound } = await careful.create(spec(fx.disk({}, 'bound.raw')));
    assert.equal((await careful.list()).find((i) => i.id === bound.id)?.state, 'running');
    await careful.remove(bound.id);

    const slower = simulatorWith('cloud-hypervisor-slower', { SIM_CH_START_DELAY_MS: '5000' });
    const hasty = new CloudHypervisorRuntime(fx.settings({ binaryPath: slower, socketTimeoutMs: 800 }));
    await assert.rejects(hasty.create(spec(fx.disk({}, 'never.raw'))),
      rejectsWith('vm_start_failed', 'VmStartFailed', /API socket not available: .*\.sock did not appear within 800ms/));
    assert.deepEqual(fx.files(), [], 'nothing left behind');
    await until('the sleeping VMM was stopped', () => fx.processes().length === 0, 10_000);
  });

  test('B4/B7: a VMM that answers slowly is still running to list() (vm.info times out), and list() does not wait for it', async () => {
    const sluggish = simulatorWith('cloud-hypervisor-sluggish', { SIM_CH_INFO_DELAY_MS: '6000' });
    const rt = new CloudHypervisorRuntime(fx.settings({ binaryPath: sluggish }));
    const { instance } = await rt.create(spec(fx.disk({}, 'sluggish.raw')));
    const t0 = Date.now();
    const l = await rt.list();
    assert.ok(Date.now() - t0 < 5_000, `list() took ${Date.now() - t0} ms`);
    assert.equal(l.find((i) => i.id === instance.id)?.state, 'running');
    await rt.remove(instance.id);
    assert.deepEqual(fx.files(), []);
  });

  test('B6: an empty firmware fails vm.boot → VmStartFailed with CH\'s error chain, full cleanup', async () => {
    const empty = join(fx.root, 'empty-fw');
    writeFileSync(empty, '');
    const rt = new CloudHypervisorRuntime(fx.settings({ firmwarePath: empty }));
    await assert.rejects(rt.create(spec(fx.disk({}))),
      rejectsWith('vm_start_failed', 'VmStartFailed', /Failed to boot VM: API error \(500\): Error from API: The VM could not boot: Cannot load the kernel into memory/));
    assert.deepEqual(fx.files(), []);
    await until('no VMM left', () => fx.processes().length === 0);
  });

  test('B5/t8: vm.info shows the requested vCPUs and RAM', async () => {
    const { instance } = await fx.runtime.create(spec(fx.disk({}), { nanoCpus: 2e9, memoryBytes: 512 * 2 ** 20 }));
    const out = execFileSync('curl', ['-s', '--unix-socket', new InstancePaths(fx.socketDir, instance.id).api, 'http://localhost/api/v1/vm.info'], { encoding: 'utf8' });
    const info = JSON.parse(out) as { config: { cpus: { boot_vcpus: number }; memory: { size: number } } };
    assert.equal(info.config.cpus.boot_vcpus, 2);
    assert.equal(info.config.memory.size, 512 * 2 ** 20);
    await fx.runtime.remove(instance.id);
  });

  test('B12/t4: the seed is ISO 9660 with volume id CIDATA, user-data as rendered, removed on stop', async () => {
    const { instance } = await fx.runtime.create(spec(fx.disk({}), { env: { GREETING: "it's me", MODE: 'prod' } }));
    const p = new InstancePaths(fx.socketDir, instance.id);
    assert.ok(existsSync(p.seed));
    const toc = spawnSync('xorriso', ['-indev', p.seed, '-toc'], { encoding: 'utf8' });
    assert.match(`${toc.stdout}${toc.stderr}`, /Volume id\s*:\s*'CIDATA'/);
    const out = join(fx.root, 'iso-out');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', p.seed, '-extract', '/', out], { stdio: 'ignore' });
    const ud = readFileSync(join(out, 'user-data'), 'utf8');
    for (const path of ['/etc/ring/env', '/etc/profile.d/ring-env.sh', '/etc/systemd/system/service.d/ring-env.conf']) assert.ok(ud.includes(path), path);
    const blobs = [...ud.matchAll(/content: (\S+)/g)].map((m) => Buffer.from(m[1]!, 'base64').toString());
    assert.ok(blobs.some((b) => b.includes("GREETING='it'\\''s me'") && b.includes("MODE='prod'")), blobs.join('|'));
    assert.match(readFileSync(join(out, 'meta-data'), 'utf8'), /^instance-id: ch-/);
    assert.equal(readdirSync(fx.socketDir).some((n) => n.endsWith('.cidata')), false, 'staging dir gone');
    const info = await new ChClient(p.api).info();
    assert.deepEqual(info.config.disks?.map((d) => d.readonly), [false, true]);
    await fx.runtime.remove(instance.id);
    assert.equal(existsSync(p.seed), false);
  });

  test('B13: one socat per port on the loopback guest subnet; a request reaches the guest; no socat after remove', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const image = fx.disk({ listen: [{ port: 18080, http: { '/health': 200 } }, { port: 2222 }] });
    const { instance } = await fx.runtime.create(spec(image, { ports: [
      { published: p1, target: 18080, hostIp: '0.0.0.0', protocol: 'tcp' }, { published: p2, target: 2222, hostIp: '127.0.0.1', protocol: 'tcp' }] }));
    const sc = readSidecar(new InstancePaths(fx.socketDir, instance.id).sidecar)!;
    assert.match(sc.guestIp!, /^127\.42\.\d+\.\d+$/);
    assert.equal(instance.address, sc.guestIp);
    assert.equal(sc.forwarderPids.length, 2);
    const cmd = sc.forwarderPids.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
    assert.match(cmd[0]!, new RegExp(`socat -d -d TCP4-LISTEN:${p1},reuseaddr,fork TCP4:${sc.guestIp!.replace(/\./g, '\\.')}:18080`));
    assert.match(cmd[1]!, new RegExp(`TCP4-LISTEN:${p2},reuseaddr,fork,bind=127\\.0\\.0\\.1`));
    assert.equal(await httpGet(p1, '/health'), 200);
    const info = await new ChClient(new InstancePaths(fx.socketDir, instance.id).api).info();
    assert.equal(info.config.net?.[0]?.ip, sc.hostIp);
    const iso = new InstancePaths(fx.socketDir, instance.id).seed;
    const out = join(fx.root, 'iso-net');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/', out], { stdio: 'ignore' });
    assert.match(readFileSync(join(out, 'user-data'), 'utf8'), new RegExp(`ip addr add ${sc.guestIp!.replace(/\./g, '\\.')}/30`));
    await fx.runtime.remove(instance.id);
    for (const pid of sc.forwarderPids) assert.equal(existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('socat'), false);
    assert.equal(pidsMentioning(`TCP4-LISTEN:${p1},`).length, 0);
  });

  test('B14: NAT is installed once per runtime, only with manage_nat and only for a VM with ports (a fake host: nothing touches iptables)', async () => {
    const installs: string[] = [];
    const host = { iptables: async (args: string[]) => { installs.push(args.join(' ')); }, enableForwarding: () => { installs.push('ip_forward'); }, defaultInterface: () => undefined };
    const port = () => freePort().then((p) => ({ published: p, target: 80, hostIp: '', protocol: 'tcp' as const }));
    const off = new CloudHypervisorRuntime(fx.settings({ manageNat: false }), undefined, host);
    const a = await off.create(spec(fx.disk({}, 'nat-a.raw'), { ports: [await port()] }));
    assert.equal(installs.length, 0, 'manage_nat = false: nothing');
    const on = new CloudHypervisorRuntime(fx.settings({ manageNat: true }), undefined, host);
    const b = await on.create(spec(fx.disk({}, 'nat-b.raw')));
    assert.equal(installs.length, 0, 'no ports, no network, no NAT');
    const c = await on.create(spec(fx.disk({}, 'nat-c.raw'), { ports: [await port()] }));
    const d = await on.create(spec(fx.disk({}, 'nat-d.raw'), { ports: [await port()] }));
    assert.equal(installs.filter((x) => x === 'ip_forward').length, 1, 'once per process');
    assert.equal(installs.filter((x) => x.includes('-C')).length, 3);
    assert.ok(installs.every((x) => x === 'ip_forward' || x.includes('127.42.0.0/16') || x.includes('conntrack')), installs.join('\n'));
    for (const i of [a, b, c, d]) await on.remove(i.instance.id);
    assert.deepEqual(fx.files(), []);
  });

  test('B15/t5: one virtiofsd per share with bind-/vol-/cfg- tags, pid files, shared memory; named dir kept after remove', async () => {
    const bindDir = join(fx.root, 'bind-src');
    mkdirSync(bindDir, { recursive: true });
    const { instance } = await fx.runtime.create(spec(fx.disk({}), {
      mounts: [{ type: 'bind', source: bindDir, destination: '/data', readOnly: false }, { type: 'volume', source: 'cache', destination: '/cache', readOnly: false }],
      files: [{ destination: '/etc/app/config.json', content: Buffer.from('{"a":1}') }],
    }));
    const p = new InstancePaths(fx.socketDir, instance.id);
    assert.deepEqual([0, 1, 2].map((i) => existsSync(p.virtiofsPid(i))), [true, true, true]);
    assert.ok(pidsMentioning(`${instance.id}.virtiofs-`).length >= 3);
    const info = await new ChClient(p.api).info();
    assert.deepEqual(info.config.fs?.map((f) => f.tag), ['bind-0', 'vol-1', 'cfg-2']);
    assert.equal(info.config.memory?.shared, true);
    assert.equal(readFileSync(join(p.shares, 'cfg-2', 'config.json'), 'utf8'), '{"a":1}');
    const named = join(fx.socketDir, 'volumes', 'default', 'cache');
    assert.ok(existsSync(named));
    await fx.runtime.remove(instance.id);
    assert.equal(pidsMentioning(`${instance.id}.virtiofs-`).length, 0);
    assert.ok(existsSync(named), 'named volume kept');
    assert.deepEqual(fx.files(), []);
  });

  test('B15: Debian\'s C virtiofsd (-o source=) works too', { skip: existsSync(C_VIRTIOFSD) && process.getuid?.() === 0 ? false : 'needs root and /usr/lib/qemu/virtiofsd (apt-get install qemu-system-common)' }, async () => {
    const rt = new CloudHypervisorRuntime(fx.settings({ virtiofsd: C_VIRTIOFSD }));
    const src = join(fx.root, 'c-src');
    mkdirSync(src, { recursive: true });
    const { instance } = await rt.create(spec(fx.disk({}), { mounts: [{ type: 'bind', source: src, destination: '/d', readOnly: true }] }));
    const pid = Number(readFileSync(new InstancePaths(fx.socketDir, instance.id).virtiofsPid(0), 'utf8'));
    assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '), /virtiofsd --socket-path=.*virtiofs-0\.sock -o source=.*c-src -o sandbox=chroot/);
    await rt.remove(instance.id);
    assert.equal(pidsMentioning(`${instance.id}.virtiofs-`).length, 0);
  });

  test('B19: the runtime rotates consoles by copy-truncate on its interval; logs tail across the backups', async () => {
    const rt = new CloudHypervisorRuntime(fx.settings({ maxConsoleLogBytes: 2048, maxConsoleLogBackups: 2, consoleLogRotateIntervalMs: 200 }));
    rt.startRotation();
    try {
      const { instance } = await rt.create(spec(fx.disk({ console_every_ms: 10, console_line: `[    1.0] ${'z'.repeat(60)}` })));
      const p = new InstancePaths(fx.socketDir, instance.id);
      await until('.console.log.2', () => existsSync(p.consoleBackup(2)), 60_000);
      assert.equal(existsSync(p.consoleBackup(3)), false);
      assert.equal(readFileSync(p.console).indexOf(0), -1, 'no NUL hole in the live file');
      const lines: string[] = [];
      for await (const l of rt.logs(instance.id, { tail: 100_000 })) lines.push(l.message);
      assert.ok(lines.length >= 5);
      await rt.remove(instance.id);
      assert.equal(readdirSync(fx.socketDir).some((n) => n.startsWith(instance.id)), false);
    } finally {
      rt.close();
    }
  });
});
