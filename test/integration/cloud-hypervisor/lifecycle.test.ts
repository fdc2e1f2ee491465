// B4, B7, B9, B10, B11, B16, B18, B20, B24: the real adapter against the simulator.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { ChClient } from '../../../src/runtime/cloud-hypervisor/client.js';
import { InstancePaths } from '../../../src/runtime/cloud-hypervisor/paths.js';
import { readSidecar } from '../../../src/runtime/cloud-hypervisor/sidecar.js';
import { rotateFile } from '../../../src/runtime/cloud-hypervisor/rotate.js';
import { CloudHypervisorRuntime } from '../../../src/runtime/cloud-hypervisor/index.js';
import { RuntimeError } from '../../../src/runtime/runtime.js';
import { ChFixture, spec, until } from './support.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('cloud-hypervisor runtime: boot, observe, exec, logs, stats, remove', () => {
  const fx = new ChFixture();
  after(() => fx.cleanup());

  test('B4/B9: a VM gets a sparse disk copy, a sidecar and a detached VMM; remove leaves no process and no file', async () => {
    const image = fx.disk({ console: ['[    0.000000] Linux version 6.1', '<3>boom: something failed', 'login:'] });
    const { instance } = await fx.runtime.create(spec(image));
    assert.match(instance.id, /^ch-d3adb33f-[0-9a-f]{8}$/);
    const p = new InstancePaths(fx.socketDir, instance.id);
    assert.ok(existsSync(p.disk), 'sparse copy');
    assert.equal(readFileSync(p.disk, 'utf8'), readFileSync(image, 'utf8'));
    assert.ok(statSync(p.api).isSocket(), 'API socket');
    assert.equal(statSync(p.api).mode & 0o777, 0o700, 'CH sets umask 077');
    const sc = readSidecar(p.sidecar)!;
    assert.equal(sc.deploymentId, 'd3adb33f-0000-4000-8000-000000000001');
    assert.ok(sc.vmmPid && sc.bootedAt);
    const info = await new ChClient(p.api).info();
    assert.equal(info.state, 'Running');
    assert.equal(info.config.net, undefined, 'no net without ports (CH would create a TAP)');
    assert.deepEqual(info.config.serial, { mode: 'Tty' });
    assert.ok(info.config.vsock, 'vsock always attached');

    const listed = await fx.runtime.list();
    assert.deepEqual(listed.map((i) => [i.id, i.state, i.deploymentId]), [[instance.id, 'running', sc.deploymentId]]);

    await fx.runtime.remove(instance.id);
    assert.deepEqual(fx.files(), []);
    await until('VMM gone', () => fx.processes().length === 0);
    assert.deepEqual(await fx.runtime.list(), []);
    await fx.runtime.remove(instance.id); // idempotent
  });

  test('B16: command checks go through hybrid vsock and ring-agent: exit 0, exit N, timeout, no agent', async () => {
    const { instance } = await fx.runtime.create(spec(fx.disk({ agent: true }, 'agent.raw')));
    const ok = await fx.runtime.exec(instance.id, [], 10_000, { command: 'echo hello; echo oops >&2' });
    assert.equal(ok.exitCode, 0);
    assert.match(ok.output, /hello/);
    const three = await fx.runtime.exec(instance.id, [], 10_000, { command: 'echo bad >&2; exit 3' });
    assert.equal(three.exitCode, 3);
    assert.match(three.output, /bad/);
    await assert.rejects(fx.runtime.exec(instance.id, [], 300, { command: 'sleep 5' }), (e: Error) => e.message === 'timeout');
    // argv without a command string is joined shell-safely
    const argv = await fx.runtime.exec(instance.id, ['echo', 'a b'], 10_000);
    assert.equal(argv.output.trim(), 'a b');
    await fx.runtime.remove(instance.id);

    const { instance: silent } = await fx.runtime.create(spec(fx.disk({ agent: false }, 'noagent.raw')));
    await assert.rejects(fx.runtime.exec(silent.id, [], 5_000, { command: 'true' }),
      (e: Error) => e instanceof RuntimeError && /cannot reach ring-agent/.test(e.message));
    const vsock = new InstancePaths(fx.socketDir, silent.id).vsock;
    await fx.runtime.remove(silent.id);
    assert.equal(existsSync(vsock), false, '.vsock removed on stop');
  });

  test('B18: console logs: tail, levels, follow', async () => {
    const lines = ['[    0.000000] Linux version', '<3>disk error', '<4>low memory', 'plain text', '[  OK  ] Started ring-agent'];
    const { instance } = await fx.runtime.create(spec(fx.disk({ console: lines, console_every_ms: 100, console_line: 'tick' }, 'logs.raw')));
    await until('console written', () => readFileSync(new InstancePaths(fx.socketDir, instance.id).console, 'utf8').includes('tick 2'));
    const all = await collect(fx.runtime.logs(instance.id, {}));
    assert.deepEqual(all.slice(0, 5).map((l) => l.level), ['info', 'error', 'warning', 'unknown', 'info']);
    const tail = await collect(fx.runtime.logs(instance.id, { tail: 2 }));
    assert.equal(tail.length, 2);
    assert.match(tail[1]!.message, /^tick \d+$/);
    const ac = new AbortController();
    const followed: string[] = [];
    const it = fx.runtime.logs(instance.id, { tail: 0, follow: true, signal: ac.signal });
    for await (const l of it) {
      followed.push(l.message);
      if (followed.length >= 3) ac.abort();
    }
    assert.ok(followed.every((m) => /^tick \d+$/.test(m)), followed.join('|'));
    await fx.runtime.remove(instance.id);
  });

  test('B18: follow loses no line across copy-truncate rotations (what the copy took is read from .1)', async () => {
    const { instance } = await fx.runtime.create(spec(fx.disk({ console_every_ms: 20, console_line: 'tick' }, 'follow.raw')));
    const paths = new InstancePaths(fx.socketDir, instance.id);
    await until('console written', () => readFileSync(paths.console, 'utf8').includes('tick 5'));
    const ac = new AbortController();
    const deadline = setTimeout(() => ac.abort(), 30_000);
    let rotations = 0;
    // Rotations between the follower's polls (500 ms): each takes lines it has not read yet.
    const rotator = setInterval(() => { if (rotations < 2 && rotateFile(paths.console, 1, 3)) rotations++; }, 1_300);
    const got: number[] = [];
    try {
      for await (const l of fx.runtime.logs(instance.id, { tail: 0, follow: true, signal: ac.signal })) {
        const m = /^tick (\d+)$/.exec(l.message);
        assert.ok(m, `a whole line: '${l.message}'`);
        got.push(Number(m[1]));
        if (rotations >= 2 && got.length >= 150) ac.abort();
      }
    } finally {
      clearInterval(rotator);
      clearTimeout(deadline);
    }
    assert.equal(rotations, 2, 'two rotations happened while following');
    assert.ok(existsSync(paths.consoleBackup(2)));
    // Every line that still exists in a file within the followed range was followed, once, in order.
    const kept = (await collect(fx.runtime.logs(instance.id, {}))).map((l) => Number(/^tick (\d+)$/.exec(l.message)?.[1] ?? NaN));
    const inRange = kept.filter((n) => n >= got[0]! && n <= got[got.length - 1]!);
    assert.deepEqual(got.filter((n) => inRange.includes(n)), inRange, 'no line lost');
    assert.deepEqual([...got].sort((a, b) => a - b), got, 'in order');
    assert.equal(new Set(got).size, got.length, 'no line twice');
    await fx.runtime.remove(instance.id);
  });

  test('B24: a crashed VM\'s stale socket and vsock are what tells the crash; remove() clears them; a reused pid is never taken for the VMM', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
    });
    const { instance } = await fx.runtime.create(spec(fx.disk({ crash_after_ms: 500, listen: [{ port: 80 }] }, 'stale.raw'), {
      ports: [{ published: port, target: 80, hostIp: '', protocol: 'tcp' }],
    }));
    const p = new InstancePaths(fx.socketDir, instance.id);
    const sc = readSidecar(p.sidecar)!;
    assert.equal(sc.forwarderPids.length, 1);
    await until('dead', async () => (await fx.runtime.list()).find((i) => i.id === instance.id)?.state === 'dead');
    assert.ok(statSync(p.api).isSocket(), 'a SIGKILLed VMM leaves its API socket');
    assert.ok(existsSync(p.vsock), 'and its vsock');
    await assert.rejects(new ChClient(p.api).info(), /ECONNREFUSED|cannot reach/);
    // The reaper frees what a dead VM held (its port forwarder, its disk copy) but keeps the stale socket.
    await until('reaped', () => !existsSync(p.disk) && fx.processes().every((pid) => pid !== sc.forwarderPids[0]));
    assert.ok(existsSync(p.api));
    // A pid the kernel reused for something else (here: this test process) is never mistaken for the VMM.
    writeFileSync(p.sidecar, JSON.stringify({ ...readSidecar(p.sidecar), vmmPid: process.pid }));
    assert.equal((await fx.runtime.list()).find((i) => i.id === instance.id)?.state, 'dead');
    await fx.runtime.remove(instance.id);
    assert.deepEqual(fx.files(), [], 'no stale socket, vsock, sidecar or console left');
    assert.deepEqual(fx.processes(), []);
  });

  test('B20: stats from /proc of the VMM and vm.counters, limit = VM RAM, also from a fresh runtime object (restart)', async () => {
    const { instance } = await fx.runtime.create(spec(fx.disk({}, 'stats.raw'), { memoryBytes: 512 * 1024 * 1024, ports: [] }));
    await new Promise((r) => setTimeout(r, 500));
    const fresh = new CloudHypervisorRuntime(fx.settings());
    const s = await fresh.stats(instance.id);
    assert.ok(s.memory.usageBytes > 0);
    assert.equal(s.memory.limitBytes, 512 * 1024 * 1024);
    assert.ok((s.pids.current ?? 0) >= 2);
    assert.ok(s.diskIo.readBytes > 0, 'disk counters from vm.counters');
    await fx.runtime.remove(instance.id);
  });

  test('B10/B7: a crash leaves a stale socket (dead), a clean poweroff removes it (exited, cleanShutdown)', async () => {
    const { instance: crash } = await fx.runtime.create(spec(fx.disk({ crash_after_ms: 300 }, 'crash.raw')));
    const { instance: off } = await fx.runtime.create(spec(fx.disk({ poweroff_after_ms: 300 }, 'off.raw')));
    const seen = await until('both ended', async () => {
      const l = await fx.runtime.list();
      const c = l.find((i) => i.id === crash.id);
      const o = l.find((i) => i.id === off.id);
      return c?.state === 'dead' && o?.state === 'exited' ? { c, o } : null;
    });
    assert.equal(seen.c.cleanShutdown, undefined);
    assert.equal(seen.o.cleanShutdown, true);
    // An ended VM's disk copy is freed at once; the sidecar and console stay until remove().
    await until('disk reaped', () => !existsSync(new InstancePaths(fx.socketDir, off.id).disk));
    await fx.runtime.remove(crash.id);
    await fx.runtime.remove(off.id);
    assert.deepEqual(fx.files(), []);
  });

  test('B10/B17: a probe that resets its TCP connection to a guest port does not kill the VM (no phantom crash)', async () => {
    // A tcp check connects and closes without reading the guest's banner, which the kernel turns into
    // an RST. A real guest shrugs that off; the simulated one crashed on it (an unhandled ECONNRESET),
    // which the reconciler then rightly counted as a restart: the cause of t17/t15's restart_count 2.
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
    });
    const { instance } = await fx.runtime.create(spec(fx.disk({ listen: [{ port: 22 }] }, 'rst.raw'), {
      ports: [{ published: port, target: 22, hostIp: '', protocol: 'tcp' }],
    }));
    assert.ok(instance.address);
    for (let k = 0; k < 5; k++) {
      await new Promise<void>((resolve, reject) => {
        const c = connect(22, instance.address!);
        c.once('connect', () => { c.resetAndDestroy(); resolve(); });
        c.once('error', reject);
      });
    }
    await new Promise((r) => setTimeout(r, 500));
    const l = await fx.runtime.list();
    assert.equal(l.find((i) => i.id === instance.id)?.state, 'running', 'the VMM survived the resets');
    const info = await new ChClient(new InstancePaths(fx.socketDir, instance.id).api).info();
    assert.equal(info.state, 'Running');
    await fx.runtime.remove(instance.id);
  });

  test('B7: a hung VMM does not stall list(): vm.info times out and the live VMM reads running', async () => {
    const { instance } = await fx.runtime.create(spec(fx.disk({}, 'hung.raw')));
    const sc = readSidecar(new InstancePaths(fx.socketDir, instance.id).sidecar)!;
    process.kill(sc.vmmPid!, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const l = await fx.runtime.list();
      assert.ok(Date.now() - t0 < 10_000);
      assert.equal(l.find((i) => i.id === instance.id)?.state, 'running');
    } finally {
      process.kill(sc.vmmPid!, 'SIGCONT');
    }
    await fx.runtime.remove(instance.id);
  });

  test('B24: a socket_dir too long for sun_path is refused by ping() with the numbers', async () => {
    const long = new CloudHypervisorRuntime(fx.settings({ socketDir: `/tmp/${'d'.repeat(90)}` }));
    await assert.rejects(long.ping(), /too long for unix sockets: .* is \d+ bytes, the limit is 107/);
    await fx.runtime.ping();
  });
});
