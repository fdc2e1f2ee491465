// InstanceLister parses only the container-list entries whose bytes changed since the last list
// (an idle host's list is nearly the same every pass); what changed must still be seen at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { InstanceLister, splitJsonArray } from '../../../src/runtime/docker/instances.js';
import { installRequestDeadline } from '../../../src/runtime/docker/deadline.js';
import { RuntimeError } from '../../../src/runtime/runtime.js';
import { startStatefulDockerStub, type StatefulDockerStub } from '../../helpers/docker-stateful-stub.js';

const LABELS = { ring_deployment: 'd1', 'ring.namespace': 'ns' };

describe('splitJsonArray', () => {
  const cut = (text: string) => {
    const b = Buffer.from(text);
    const r = splitJsonArray(b);
    if (r === null) return null;
    const out: string[] = [];
    for (let k = 0; k < r.length; k += 2) out.push(b.toString('utf8', r[k], r[k + 1]));
    return out;
  };
  test('cuts an array of objects into its elements, whatever their strings hold', () => {
    assert.deepEqual(cut('[]'), []);
    assert.deepEqual(cut(' [ ] \n'), []);
    assert.deepEqual(cut('[{"a":1}]'), ['{"a":1}']);
    assert.deepEqual(cut('[{"a":"}]{,\\"["},{"b":[{"c":{}}]} , {"é":"\\\\"}]\n'), ['{"a":"}]{,\\"["}', '{"b":[{"c":{}}]}', '{"é":"\\\\"}']);
  });
  test('anything else is left to JSON.parse', () => {
    for (const t of ['', '{}', '[1]', '[{"a":1},]', '[{"a":1}', '[{"a":1}{"b":2}]', '[{"a":1}] x', '[,{"a":1}]', 'null']) {
      assert.equal(cut(t), null, t);
    }
  });
});

describe('container list cache', () => {
  let stub: StatefulDockerStub;
  let docker: Docker;
  before(async () => {
    stub = await startStatefulDockerStub({ pretendUptimeMs: 10 * 60_000 });
    docker = new Docker({ socketPath: stub.host.slice('unix://'.length) });
    installRequestDeadline(docker);
  });
  after(() => stub.close());

  const run = async (name: string, labels: Record<string, string> = LABELS) => {
    const c = await docker.createContainer({ name, Image: 'busybox:1', Labels: labels, HostConfig: { NetworkMode: 'ring_ns' } });
    await c.start();
    return c;
  };

  test('an unchanged entry gives back the same instance, without an inspect; a changed one is seen at once', async () => {
    const a = await run('a');
    const b = await run('b');
    await run('other', { ...LABELS, 'ring.server': 'someone-else' });
    const lister = new InstanceLister(docker, 'me');
    const first = await lister.list();
    assert.deepEqual(first.map((i) => [i.name, i.state]).sort(), [['a', 'running'], ['b', 'running']]);
    const inspects = () => stub.requests.filter((r) => /^GET \/containers\/[0-9a-f]{64}\/json$/.test(r)).length;
    const before = inspects();
    const second = await lister.list();
    assert.notEqual(second, first, 'a new array every time');
    const byName = (l: typeof first, n: string) => l.find((i) => i.name === n)!;
    assert.equal(byName(second, 'a'), byName(first, 'a'), 'the same instance object for an entry whose bytes are unchanged');
    assert.equal(inspects(), before, 'no inspect for an unchanged entry');

    await b.stop();
    const third = await lister.list();
    assert.equal(byName(third, 'a'), byName(first, 'a'));
    assert.equal(byName(third, 'b').state, 'exited', 'the stopped container is seen by the next list');
    assert.equal(byName(third, 'b').exitCode, 137);
    assert.equal(inspects(), before + 1, 'one inspect for the entry whose state changed');

    await b.remove({ force: true });
    const c = await run('c');
    const fourth = await lister.list();
    assert.deepEqual(fourth.map((i) => i.name).sort(), ['a', 'c']);
    assert.equal(byName(fourth, 'c').id, c.id);
    await a.remove({ force: true });
    await c.remove({ force: true });
    assert.deepEqual(await lister.list(), []);
  });

  test('an entry whose bytes changed where the instance does not look ("Up 5 minutes" → "Up 6 minutes"), or that moved: the same instance object', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ring-uplist-'));
    const socketPath = join(dir, 'docker.sock');
    const idA = 'a'.repeat(64);
    const idB = 'b'.repeat(64);
    const entry = (id: string, name: string, state: string, status: string) =>
      JSON.stringify({ Id: id, Names: [`/${name}`], Image: 'busybox:1', Command: 'sh', Created: 1_700_000_000, State: state, Status: status, Labels: LABELS, NetworkSettings: { Networks: { ring_ns: { IPAddress: '10.0.0.2' } } } });
    let entries = [entry(idA, 'a', 'running', 'Up 5 minutes'), entry(idB, 'b', 'running', 'Up 7 minutes')];
    let inspects = 0;
    const server: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.startsWith('/containers/json')) return res.end(`[${entries.join(',')}]\n`);
      inspects++;
      const exited = req.url?.includes(idB) && entries.some((e) => e.includes('"exited"'));
      res.end(JSON.stringify({ State: { StartedAt: '2024-01-01T00:00:00Z', FinishedAt: exited ? '2024-01-01T01:00:00Z' : '0001-01-01T00:00:00Z', ExitCode: exited ? 2 : 0, OOMKilled: false } }));
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
    try {
      const lister = new InstanceLister(new Docker({ socketPath }));
      const [a1, b1] = await lister.list();
      assert.equal(inspects, 2);
      entries = [entry(idA, 'a', 'running', 'Up 6 minutes'), entries[1]!];
      const [a2, b2] = await lister.list();
      assert.equal(a2, a1, 'only its Status text moved: the same object');
      assert.equal(b2, b1);
      assert.equal(inspects, 2, 'and no inspect');
      entries = [entries[1]!, entries[0]!];
      const [b3, a3] = await lister.list();
      assert.equal(a3, a1, 'moved in the list: the same object');
      assert.equal(b3, b1);
      entries = [entry(idA, 'a', 'running', 'Up 6 minutes'), entry(idB, 'b', 'exited', 'Exited (2) 1 second ago')];
      const [a4, b4] = await lister.list();
      assert.equal(a4, a1);
      assert.notEqual(b4, b1, 'its state changed: a new object');
      assert.deepEqual([b4!.state, b4!.exitCode], ['exited', 2]);
      assert.equal(inspects, 3, 'one inspect, for the state it is in now');
      const [, b5] = await lister.list();
      assert.equal(b5, b4);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an answer that is not a container list fails the list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ring-badlist-'));
    const socketPath = join(dir, 'docker.sock');
    const server: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url?.includes('containers/json') ? '[{"Id":"x", oops' : '{}');
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
    try {
      const lister = new InstanceLister(new Docker({ socketPath }));
      await assert.rejects(lister.list(), (e: unknown) => e instanceof RuntimeError && /not a container list/.test((e as Error).message));
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a response cut short mid-body fails at the bound instead of never', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ring-cutlist-'));
    const socketPath = join(dir, 'docker.sock');
    const { createServer: net } = await import('node:net');
    const server = net((s) => s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[{"Id":"a');
    }));
    await new Promise<void>((r) => server.listen(socketPath, r));
    try {
      const lister = new InstanceLister(new Docker({ socketPath }), undefined, 300);
      const t0 = Date.now();
      await assert.rejects(lister.list(), (e: unknown) => e instanceof RuntimeError && /did not answer GET \/containers\/json within 0\.3 s/.test((e as Error).message));
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      await new Promise((r) => { server.close(r); for (const _ of []) void _; });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
