// One contract every Runtime passes (the reconciler relies on exactly this): the Docker adapter
// against the real engine (run under `flock /tmp/ring-docker.lock`), the cloud-hypervisor adapter
// against the simulator, and the fake the unit tests use. Each subject says how to make a spec that
// runs and prints `ring-contract-ready`, one whose create must fail, and what would be left behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { RuntimeError, type InstanceSpec, type LogLine, type Runtime } from '../../src/runtime/runtime.js';
import { createDockerRuntime, DEPLOYMENT_LABEL } from '../../src/runtime/docker/index.js';
import { FakeRuntime } from '../helpers/fake-runtime.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../helpers/images.js';
import { ChFixture } from '../integration/cloud-hypervisor/support.js';

const READY = 'ring-contract-ready';

interface Subject {
  name: string;
  skip?: string | false;
  setup(): Promise<void>;
  runtime(): Runtime;
  running(deploymentId: string): InstanceSpec;
  failing(deploymentId: string): InstanceSpec;
  /** What of this deployment is still on the host (containers, files, processes): must be empty. */
  leftovers(deploymentId: string): Promise<string[]>;
  teardown(): Promise<void>;
}

const depId = () => `${randomBytes(4).toString('hex')}-c0de-4000-8000-${randomBytes(6).toString('hex')}`;

const base = (deploymentId: string): InstanceSpec => ({
  deploymentId, namespace: `ct-${deploymentId.slice(0, 6)}`, name: 'contract', image: '', pullPolicy: 'Never', command: [], env: {}, labels: {},
  ports: [], mounts: [], files: [], networkMode: 'bridge', privileged: false,
});

function fakeSubject(): Subject {
  const rt = new FakeRuntime();
  rt.startupOutput = () => [READY];
  // The fake runs exec on the host: its answers then have the same shape as a real runtime's.
  rt.execHandler = (argv) => {
    try {
      return { exitCode: 0, output: execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      return { exitCode: err.status ?? 1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  };
  return {
    name: 'fake', setup: async () => {}, runtime: () => rt,
    running: (id) => ({ ...base(id), image: 'fake/image:1' }),
    failing: (id) => {
      rt.createFailures.push(new RuntimeError('image_not_found', 'no such image'));
      return { ...base(id), image: 'fake/missing:1' };
    },
    leftovers: async (id) => rt.of(id).map((i) => i.id),
    teardown: async () => {},
  };
}

function chSubject(): Subject {
  let fx: ChFixture;
  return {
    name: 'cloud-hypervisor (simulator)',
    setup: async () => { fx = new ChFixture(); },
    runtime: () => fx.runtime,
    running: (id) => ({ ...base(id), image: fx.disk({ console: [READY], agent: true }, `${id.slice(0, 8)}.raw`) }),
    failing: (id) => ({ ...base(id), image: '/nonexistent/contract.raw' }),
    leftovers: async (id) => [...fx.files().filter((f) => f.startsWith(`ch-${id.slice(0, 8)}`)), ...fx.processes().map(String)],
    teardown: async () => fx.cleanup(),
  };
}

function dockerSubject(): Subject {
  const docker = new Docker();
  const rt = createDockerRuntime('unix:///var/run/docker.sock');
  let reachable = true;
  // This run's namespaces only: a sweep by the `ring_ct-` prefix removed the networks of another
  // run of this file (another worktree's) on the shared daemon, under its containers' creates.
  const made = new Set<string>();
  const mine = (spec: InstanceSpec): InstanceSpec => { made.add(spec.namespace); return spec; };
  const subject: Subject = {
    name: 'docker',
    setup: async () => {
      try { await rt.ping(); } catch { reachable = false; return; }
      await ensureTestImages(docker);
    },
    runtime: () => rt,
    running: (id) => mine({ ...base(id), image: BUSYBOX_IMAGE, command: ['sh', '-c', `echo ${READY}; exec sleep 3600`] }),
    failing: (id) => mine({ ...base(id), image: 'ring-test/does-not-exist:1' }),
    leftovers: async (id) => (await docker.listContainers({ all: true, filters: { label: [`${DEPLOYMENT_LABEL}=${id}`] } })).map((c) => c.Id),
    teardown: async () => {
      // Only what these tests made: their namespaces' networks.
      for (const ns of made) await docker.getNetwork(`ring_${ns}`).remove().catch(() => undefined);
    },
  };
  Object.defineProperty(subject, 'skip', { get: () => (reachable ? false : 'Docker is not reachable') });
  return subject;
}

async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

async function eventually<T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const subject of [fakeSubject(), chSubject(), dockerSubject()]) {
  describe(`Runtime contract: ${subject.name}`, () => {
    before(() => subject.setup());
    after(() => subject.teardown());
    const skip = () => subject.skip;

    test('create → listed running under its deployment; exec, logs and stats; remove is final and idempotent', async (t) => {
      if (skip()) return t.skip(String(skip()));
      const rt = subject.runtime();
      const id = depId();
      const { instance } = await rt.create(subject.running(id));
      try {
        assert.equal(instance.deploymentId, id);
        assert.equal(instance.state, 'running');
        const listed = (await rt.list()).filter((i) => i.deploymentId === id);
        assert.deepEqual(listed.map((i) => [i.id, i.state]), [[instance.id, 'running']]);
        assert.ok(listed[0]!.createdAt > 0 && listed[0]!.name.length > 0);

        const ok = await rt.exec(instance.id, ['/bin/sh', '-c', 'echo contract-ok'], 10_000);
        assert.equal(ok.exitCode, 0);
        assert.match(ok.output, /contract-ok/);
        const bad = await rt.exec(instance.id, ['/bin/sh', '-c', 'exit 3'], 10_000);
        assert.equal(bad.exitCode, 3);

        const lines = await eventually(async () => {
          const l = await collect(rt.logs(instance.id, {}));
          return l.some((x) => x.message.includes(READY)) ? l : null;
        }, 'the ready line in the logs');
        assert.ok(lines.every((l) => typeof l.level === 'string' && 'timestamp' in l));
        assert.ok((await collect(rt.logs(instance.id, { tail: 1 }))).length <= 1);

        const s = await rt.stats(instance.id);
        assert.equal(s.instanceId, instance.id);
        assert.ok(s.memory.usageBytes >= 0 && s.pids.current >= 1);
      } finally {
        await rt.remove(instance.id);
      }
      assert.deepEqual((await rt.list()).filter((i) => i.deploymentId === id), []);
      await rt.remove(instance.id); // idempotent
      await assert.rejects(rt.exec(instance.id, ['/bin/true'], 5_000));
      assert.deepEqual(await subject.leftovers(id), []);
    });

    test('a failed create is a RuntimeError and leaves nothing behind', async (t) => {
      if (skip()) return t.skip(String(skip()));
      const rt = subject.runtime();
      const id = depId();
      await assert.rejects(rt.create(subject.failing(id)), (e: unknown) => e instanceof RuntimeError);
      assert.deepEqual((await rt.list()).filter((i) => i.deploymentId === id), []);
      assert.deepEqual(await subject.leftovers(id), []);
    });

    test('removing an id that never existed is not an error', async (t) => {
      if (skip()) return t.skip(String(skip()));
      await subject.runtime().remove('ch-00000000-00000000');
      await subject.runtime().remove('0'.repeat(64));
    });
  });
}
