// The Docker adapter against the real engine. Each test gets its own `rt-<hex>` namespace and
// afterEach removes exactly what that namespace made: containers, its ring_<ns> network (the
// engine runs out of address pools after ~30 networks) and any named volumes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { RuntimeError, type Instance, type InstanceSpec, type LogLine, type RuntimeEvent } from '../../../src/runtime/runtime.js';
import { DEPLOYMENT_LABEL, createDockerRuntime, isExecTimeout } from '../../../src/runtime/docker/index.js';
import { ensureTestImages, BUSYBOX_IMAGE, HTTPD_IMAGE } from '../../helpers/images.js';

const docker = new Docker();
const runtime = createDockerRuntime('unix:///var/run/docker.sock');

const namespaces = new Set<string>();
const volumes = new Set<string>();

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function newNamespace(): string {
  const ns = `rt-${hex(4)}`;
  namespaces.add(ns);
  return ns;
}

function spec(namespace: string, overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    deploymentId: `dep-${hex(6)}`,
    namespace,
    name: 'web',
    image: BUSYBOX_IMAGE,
    pullPolicy: 'Never',
    command: [],
    env: {},
    labels: {},
    ports: [],
    mounts: [],
    files: [],
    networkMode: 'bridge',
    privileged: false,
    ...overrides,
  };
}

async function containersOf(namespace: string): Promise<Docker.ContainerInfo[]> {
  const all = await docker.listContainers({ all: true, filters: { label: [DEPLOYMENT_LABEL] } });
  return all.filter((c) => c.Names.some((n) => n.startsWith(`/${namespace}_`)));
}

async function cleanupNamespace(namespace: string): Promise<void> {
  for (const c of await containersOf(namespace)) {
    await runtime.remove(c.Id).catch(() => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined));
  }
  await docker.getNetwork(`ring_${namespace}`).remove().catch(() => undefined);
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function listed(id: string, pred: (i: Instance) => boolean = () => true): Promise<Instance> {
  return waitFor(`instance ${id} in list()`, async () => (await runtime.list()).find((i) => i.id === id && pred(i)));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function collect(iter: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of iter) out.push(l);
  return out;
}

async function rejectsWith(p: Promise<unknown>, reason: string, message?: RegExp | string): Promise<RuntimeError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof RuntimeError, `expected RuntimeError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${reason}`);
}

before(async () => {
  await ensureTestImages(docker);
  await runtime.ping();
});

afterEach(async () => {
  for (const ns of namespaces) await cleanupNamespace(ns);
  namespaces.clear();
  for (const v of volumes) await docker.getVolume(v).remove().catch(() => undefined);
  volumes.clear();
});

after(async () => {
  for (const ns of namespaces) await cleanupNamespace(ns);
});

describe('DockerRuntime lifecycle', () => {
  it('creates a labelled, namespaced container that list() sees and remove() deletes', async () => {
    const ns = newNamespace();
    const s = spec(ns, { labels: { team: 'a', [DEPLOYMENT_LABEL]: 'hijack' } });
    const { instance, imageDigest } = await runtime.create(s);

    assert.match(instance.name, new RegExp(`^${ns}_web_[0-9a-f]{8}$`));
    assert.equal(instance.deploymentId, s.deploymentId);
    assert.equal(instance.state, 'running');
    assert.equal(imageDigest, null, 'an imported image has no repo digest');
    assert.ok(instance.startedAt !== null && instance.createdAt > 0);

    const info = await docker.getContainer(instance.id).inspect();
    assert.equal(info.Config.Labels[DEPLOYMENT_LABEL], s.deploymentId, 'a user label cannot override ring_deployment');
    assert.equal(info.Config.Labels.team, 'a');
    assert.ok(['', 'no'].includes(info.HostConfig.RestartPolicy?.Name ?? ''), 'no restart policy');
    assert.deepEqual(info.Config.Cmd, ['/bin/sleep', '3600'], 'the image CMD is kept when command is empty');

    const networks = info.NetworkSettings.Networks;
    assert.deepEqual(Object.keys(networks), [`ring_${ns}`], 'only the namespace network, not bridge');
    assert.ok(networks[`ring_${ns}`].Aliases?.includes('web'));
    assert.ok(networks[`ring_${ns}`].Aliases?.includes(instance.name));
    const net = await docker.getNetwork(`ring_${ns}`).inspect();
    assert.equal(net.Labels?.['ring.managed'], 'true');

    const seen = await listed(instance.id);
    assert.equal(seen.name, instance.name);
    assert.equal(seen.state, 'running');
    assert.equal(seen.exitCode, null);
    assert.equal(seen.address, networks[`ring_${ns}`].IPAddress);
    assert.equal(seen.startedAt, instance.startedAt);

    await runtime.remove(instance.id);
    assert.equal((await runtime.list()).find((i) => i.id === instance.id), undefined);
    await runtime.remove(instance.id); // already gone: not an error
  });

  it('reuses the namespace network for a second instance (idempotent create)', async () => {
    const ns = newNamespace();
    const [a, b] = await Promise.all([runtime.create(spec(ns)), runtime.create(spec(ns))]);
    assert.notEqual(a.instance.name, b.instance.name);
    const nets = await docker.listNetworks({ filters: { name: [`ring_${ns}`] } });
    assert.equal(nets.filter((n) => n.Name === `ring_${ns}`).length, 1);
  });

  it('two networks of one name (two servers racing the create) are folded into the oldest, and the create succeeds', async () => {
    const ns = newNamespace();
    const name = `ring_${ns}`;
    // What a race between two servers leaves: Docker's duplicate check is not atomic, so make both directly.
    const made: string[] = [];
    for (let k = 0; k < 2; k++) {
      const n = await docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: false, Labels: { 'ring.managed': 'true' } });
      made.push(n.id);
    }
    try {
      const exact = async () => (await docker.listNetworks({ filters: { name: [name] } })).filter((n) => n.Name === name);
      assert.equal((await exact()).length, 2, 'the engine kept both');
      const oldest = (await exact()).sort((a, b) => Date.parse(a.Created) - Date.parse(b.Created) || (a.Id < b.Id ? -1 : 1))[0]!.Id;
      const { instance } = await runtime.create(spec(ns));
      const left = await exact();
      assert.deepEqual(left.map((n) => n.Id), [oldest], 'only the oldest stays');
      const info = await docker.getContainer(instance.id).inspect();
      assert.equal(info.NetworkSettings.Networks[name]?.NetworkID, oldest);
    } finally {
      await cleanupNamespace(ns);
      for (const id of made) await docker.getNetwork(id).remove().catch(() => undefined);
    }
  });

  it('uses the host network in host mode and creates no namespace network', async () => {
    const ns = newNamespace();
    const { instance } = await runtime.create(spec(ns, { networkMode: 'host' }));
    const info = await docker.getContainer(instance.id).inspect();
    assert.equal(info.HostConfig.NetworkMode, 'host');
    await assert.rejects(docker.getNetwork(`ring_${ns}`).inspect());
  });

  it('publishes ports on the host', async () => {
    const ns = newNamespace();
    const port = await freePort();
    const { instance } = await runtime.create(spec(ns, {
      image: HTTPD_IMAGE,
      ports: [{ published: port, target: 80, hostIp: '127.0.0.1', protocol: 'tcp' }],
    }));
    const info = await docker.getContainer(instance.id).inspect();
    assert.deepEqual(info.HostConfig.PortBindings?.['80/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    assert.ok('80/tcp' in (info.Config.ExposedPorts ?? {}));
    const body = await waitFor('httpd to answer', async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        return await res.text();
      } catch {
        return null;
      }
    });
    assert.equal(body, 'v1');
  });

  it('passes env and command, and exec reports exit codes and output', async () => {
    const ns = newNamespace();
    const { instance } = await runtime.create(spec(ns, { env: { FOO: 'bar baz' }, command: ['sleep', '300'] }));
    const info = await docker.getContainer(instance.id).inspect();
    assert.deepEqual(info.Config.Cmd, ['sleep', '300']);

    assert.deepEqual(await runtime.exec(instance.id, ['sh', '-c', 'echo "$FOO"'], 5000), { exitCode: 0, output: 'bar baz\n' });
    const failed = await runtime.exec(instance.id, ['sh', '-c', 'echo oops >&2; exit 3'], 5000);
    assert.equal(failed.exitCode, 3);
    assert.equal(failed.output, 'oops\n');
  });

  it('exec past its timeout throws a detectable timeout error', async () => {
    const ns = newNamespace();
    const { instance } = await runtime.create(spec(ns));
    // `sleep 5` would succeed: a rejection with the timeout error is the bound at work.
    const err = await rejectsWith(runtime.exec(instance.id, ['sleep', '5'], 300), 'runtime_error', 'timeout');
    assert.ok(isExecTimeout(err));
  });

  it('mounts files read-only with their content and deletes them on remove', async () => {
    const ns = newNamespace();
    const { instance } = await runtime.create(spec(ns, {
      files: [
        { destination: '/etc/app/config.txt', content: Buffer.from('hello config\n') },
        { destination: '/run/secrets/token', content: Buffer.from('s3cr3t') },
      ],
    }));
    assert.deepEqual(await runtime.exec(instance.id, ['cat', '/etc/app/config.txt'], 5000), { exitCode: 0, output: 'hello config\n' });
    assert.deepEqual(await runtime.exec(instance.id, ['cat', '/run/secrets/token'], 5000), { exitCode: 0, output: 's3cr3t' });
    const write = await runtime.exec(instance.id, ['sh', '-c', 'echo x > /etc/app/config.txt'], 5000);
    assert.notEqual(write.exitCode, 0, 'files are read-only');

    const info = await docker.getContainer(instance.id).inspect();
    const dir = info.Config.Labels['ring.files_dir'];
    assert.ok(dir && existsSync(dir));
    assert.ok(info.Mounts.filter((m) => m.Destination.startsWith('/etc/app') || m.Destination.startsWith('/run/secrets')).every((m) => !m.RW));

    await runtime.remove(instance.id);
    assert.equal(existsSync(dir), false, 'files dir removed with the instance');
  });

  it('keeps a named volume after the instance is removed', async () => {
    const ns = newNamespace();
    const volume = `${ns}-data`;
    volumes.add(volume);
    const { instance } = await runtime.create(spec(ns, {
      mounts: [{ type: 'volume', source: volume, destination: '/data', readOnly: false, labels: { owner: 'test' } }],
    }));
    assert.equal((await runtime.exec(instance.id, ['sh', '-c', 'echo kept > /data/f'], 5000)).exitCode, 0);
    await runtime.remove(instance.id);
    const vol = await docker.getVolume(volume).inspect();
    assert.equal(vol.Labels?.['ring.managed'], 'true');
    assert.equal(vol.Labels?.owner, 'test');

    const again = await runtime.create(spec(ns, { mounts: [{ type: 'volume', source: volume, destination: '/data', readOnly: true }] }));
    assert.deepEqual(await runtime.exec(again.instance.id, ['cat', '/data/f'], 5000), { exitCode: 0, output: 'kept\n' });
  });

  it('reports the exit code of an exited container in list()', async () => {
    const ns = newNamespace();
    const { instance } = await runtime.create(spec(ns, { command: ['sh', '-c', 'exit 7'] }));
    const seen = await listed(instance.id, (i) => i.state === 'exited');
    assert.equal(seen.exitCode, 7);
    assert.equal(seen.oomKilled, false);
    // Docker may record an instant exit a hair before its start time: only the presence of both is ours to check.
    assert.ok(seen.finishedAt !== null && seen.startedAt !== null);
  });
});

describe('DockerRuntime create failures', () => {
  it('policy Never with a missing image → image_not_found', async () => {
    const ns = newNamespace();
    const image = `ring-test/missing-${hex(4)}`;
    await rejectsWith(
      runtime.create(spec(ns, { image })),
      'image_not_found',
      `Image '${image}' not found: image '${image}:latest' not in local cache and image_pull_policy=Never forbids pulling`,
    );
    assert.equal((await containersOf(ns)).length, 0);
  });

  it('an unreachable registry → image_pull_failed', async () => {
    const ns = newNamespace();
    const image = '127.0.0.1:1/nope:1';
    await rejectsWith(
      runtime.create(spec(ns, { image, pullPolicy: 'IfNotPresent' })),
      'image_pull_failed',
      /^Failed to pull image '127\.0\.0\.1:1\/nope:1': cannot reach the registry for '127\.0\.0\.1:1\/nope:1' — is it up and the registry host correct\? \(original error: .+\)$/s,
    );
    assert.equal((await containersOf(ns)).length, 0);
  });

  it('more memory than the host has → insufficient_resources, nothing created', async () => {
    const ns = newNamespace();
    await rejectsWith(
      runtime.create(spec(ns, { name: 'big', memoryReservationBytes: 2 ** 40 })),
      'insufficient_resources',
      /^insufficient host memory for 'big': needs 1048576 MiB but only \d+ MiB is available — free memory on the host or lower resources\.requests\.memory \/ resources\.limits\.memory$/,
    );
    assert.equal((await containersOf(ns)).length, 0);
  });

  it('a container that cannot start → instance_creation_failed with no orphan left', async () => {
    const ns = newNamespace();
    const err = await rejectsWith(
      runtime.create(spec(ns, { command: ['/no/such/binary'], files: [{ destination: '/etc/x', content: Buffer.from('x') }] })),
      'instance_creation_failed',
      /^Docker failed to start container: /,
    );
    assert.match(err.message, /no such file/i);
    assert.equal((await containersOf(ns)).length, 0);
  });

  it('a host port already taken → port_allocation_failed with no orphan left', async () => {
    const ns = newNamespace();
    const port = await freePort();
    const ports = [{ published: port, target: 80, hostIp: '127.0.0.1', protocol: 'tcp' as const }];
    const first = await runtime.create(spec(ns, { image: HTTPD_IMAGE, ports }));
    await rejectsWith(runtime.create(spec(ns, { image: HTTPD_IMAGE, ports })), 'port_allocation_failed');
    assert.deepEqual((await containersOf(ns)).map((c) => c.Id), [first.instance.id]);
  });
});

describe('DockerRuntime observation', () => {
  it('logs returns printed lines with stream levels and timestamps, blank lines dropped', async () => {
    const ns = newNamespace();
    const { instance } = await runtime.create(spec(ns, {
      command: ['sh', '-c', 'echo hello; echo; echo oops >&2; echo world; sleep 300'],
    }));
    const lines = await waitFor('three log lines', async () => {
      const got = await collect(runtime.logs(instance.id, {}));
      return got.length >= 3 ? got : null;
    });
    assert.deepEqual(lines.map((l) => [l.message, l.level]).sort(), [['hello', 'info'], ['oops', 'error'], ['world', 'info']]);
    for (const l of lines) {
      assert.equal(l.instance, instance.name);
      assert.ok(l.timestamp && !Number.isNaN(Date.parse(l.timestamp)), `RFC 3339 timestamp: ${l.timestamp}`);
    }
    const tail = await collect(runtime.logs(instance.id, { tail: 1 }));
    assert.equal(tail.length, 1);
    const future = await collect(runtime.logs(instance.id, { sinceSeconds: Math.floor(Date.now() / 1000) + 3600 }));
    assert.equal(future.length, 0);
  });

  it('follow streams new lines and ends on abort', async () => {
    const ns = newNamespace();
    const { instance } = await runtime.create(spec(ns, {
      command: ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'],
    }));
    const ac = new AbortController();
    const got: string[] = [];
    for await (const line of runtime.logs(instance.id, { follow: true, tail: 0, signal: ac.signal })) {
      got.push(line.message);
      if (got.length === 3) ac.abort();
    }
    assert.equal(got.length, 3);
    assert.ok(got.every((m) => m.startsWith('tick ')));
  });

  it('stats returns numbers', async () => {
    const ns = newNamespace();
    const { instance } = await runtime.create(spec(ns));
    const s = await runtime.stats(instance.id);
    assert.equal(s.instanceId, instance.id);
    assert.equal(s.instanceName, instance.name);
    assert.equal(s.restartCount, 0);
    for (const n of [s.cpuPercent, s.memory.usageBytes, s.memory.limitBytes, s.memory.usagePercent, s.network.rxBytes, s.network.txBytes, s.diskIo.readBytes, s.diskIo.writeBytes, s.pids.current]) {
      assert.equal(typeof n, 'number');
      assert.ok(Number.isFinite(n) && n >= 0);
    }
    assert.ok(s.memory.limitBytes > 0);
    assert.ok(s.pids.current >= 1);
  });

  it('events yields start and die (with exit code) for a killed container', async () => {
    const ns = newNamespace();
    const ac = new AbortController();
    // Generous: a loaded host (load average ~40) took over 20 s to create, start and kill one container.
    const timer = setTimeout(() => ac.abort(), 120_000);
    const events: RuntimeEvent[] = [];
    const iterator = runtime.events(ac.signal)[Symbol.asyncIterator]();
    const first = iterator.next(); // subscribes before the container exists
    await new Promise((r) => setTimeout(r, 200));
    const creating = runtime.create(spec(ns)).then(async (c) => {
      await docker.getContainer(c.instance.id).kill();
      return c;
    });
    const id = (await creating).instance.id;
    try {
      for (let next = await first; !next.done; next = await iterator.next()) {
        if (next.value.instanceId !== id) continue;
        events.push(next.value);
        if (next.value.kind === 'die') break;
      }
    } finally {
      clearTimeout(timer);
      ac.abort();
      await iterator.return?.();
    }
    const { instance } = await creating;
    const die = events.find((e) => e.kind === 'die');
    assert.ok(die, `die event seen (got ${events.map((e) => e.kind).join(',')})`);
    assert.equal(die.exitCode, 137);
    assert.equal(die.deploymentId, instance.deploymentId);
    assert.ok(events.some((e) => e.kind === 'start'));
    assert.ok(events.some((e) => e.kind === 'kill'));
  });

  it('events ends when the signal aborts', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    // Reaching the next line is the assertion: the stream ended once the signal aborted.
    for await (const _ of runtime.events(ac.signal)) { /* nothing of ours happens */ }
    assert.equal(ac.signal.aborted, true);
  });
});
