// Graceful shutdown (RING.md "Shutdown"): stop() ends new work, waits for the work in flight, and
// only then closes ring.db — nothing the server started may touch the database after it closed.
//
// The case that failed CI (tui/rollout.test.ts, "The database connection is not open" as an
// unhandledRejection after the last test): a client follows GET /deployments/events, and the
// change feed behind it is in the middle of a look (waiting on the runtime's container list) when
// the server stops; the look resumed after db.close() and its rejection reached no handler. The
// Docker stand-in holds its container lists here, so the look is in flight at the moment of the
// stop, and answers them only once stop() has returned.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startTestServerOnDockerStub, type TestServer } from '../../helpers/server.js';
import type { DockerStub } from '../../helpers/docker-stub.js';
import { sleep } from '../../helpers/processes.js';

type StubServer = TestServer & { docker: DockerStub };

describe('server stop with work in flight', () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  const servers: StubServer[] = [];
  let settled: { srv: StubServer; token: string }[] = [];

  before(async () => {
    process.on('unhandledRejection', onRejection);
    // One server per test, settling side by side (each takes its backoff's ~8 s).
    settled = await Promise.all([settledServer(), settledServer()]);
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    for (const s of servers.splice(0)) {
      await s.stop();
      await s.docker.close().catch(() => {});
      rmSync(s.dir, { recursive: true, force: true });
    }
  });
  beforeEach(() => { rejections.length = 0; });

  /** A server with one deployment that has settled (the reconciler has nothing left to do), and a token. */
  async function settledServer(): Promise<{ srv: StubServer; token: string }> {
    // No safety-net tick during the test: only the API's wakes start passes.
    const srv = await startTestServerOnDockerStub({ RING_SCHEDULER_INTERVAL: '3600' });
    servers.push(srv);
    const token = await srv.adminToken();
    const created = await srv.request('POST', '/deployments', { token, body: {
      namespace: 'shutdown', name: 'web', runtime: 'docker', kind: 'worker', image: 'example.invalid/web:1', replicas: 1,
    } });
    assert.equal(created.status, 201, created.text);
    // The stand-in refuses every create: the worker backs off (0+1+2+4 s) into crash_loop_back_off,
    // after which no pass of the reconciler's own is there to hold the stop up.
    const settleBy = Date.now() + 30_000;
    for (;;) {
      const r = await srv.request('GET', `/deployments/${created.json.id}`, { token });
      if (r.json.status === 'crash_loop_back_off') break;
      assert.ok(Date.now() < settleBy, `deployment did not settle: ${r.text}`);
      await sleep(200);
    }
    return { srv, token };
  }

  /** Follows GET /deployments/events (as `ring tui` does) until `synced`; `ended` resolves when the server ends it. */
  async function follow(srv: StubServer, token: string) {
    const ac = new AbortController();
    const res = await fetch(`${srv.url}/deployments/events?follow=true`, { headers: { authorization: `Bearer ${token}` }, signal: ac.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: synced')) text += new TextDecoder().decode((await reader.read()).value);
    const ended = (async () => {
      try {
        for (;;) if ((await reader.read()).done) return true;
      } catch {
        return !ac.signal.aborted;
      }
    })();
    return { ended, abort: () => ac.abort() };
  }

  /** Holds Docker's answers and waits until one list (the feed's next look) is waiting on them. */
  async function holdALook(srv: StubServer): Promise<() => void> {
    const release = srv.docker.holdLists();
    const pending = () => srv.docker.requests.filter((r) => r === 'GET /containers/json').length - srv.docker.listsAnswered;
    const by = Date.now() + 5000;
    while (pending() === 0) {
      assert.ok(Date.now() < by, 'the feed never listed containers');
      await sleep(10);
    }
    return release;
  }

  it('a feed look in flight when the last follower leaves and the server stops: it ends before ring.db closes', async () => {
    const { srv, token } = settled[0]!;
    const watch = await follow(srv, token);
    const release = await holdALook(srv);
    watch.abort();
    await srv.stop();
    release(); // a look that outlived the database resumes here
    await sleep(300);
    assert.deepEqual(rejections.map(String), [], 'no work of the server failed after stop()');
  });

  it('an open watch stream is ended by stop() at once, with a look in flight; nothing runs after', async () => {
    const { srv, token } = settled[1]!;
    const watch = await follow(srv, token);
    const release = await holdALook(srv);
    const t0 = Date.now();
    await srv.stop();
    const stopMs = Date.now() - t0;
    release();
    await sleep(300);
    watch.abort();
    assert.deepEqual(rejections.map(String), [], 'no work of the server failed after stop()');
    assert.equal(await Promise.race([watch.ended, sleep(100).then(() => false)]), true, 'the stop ended the watch stream');
    // hapi's drain waits its whole 5 s timeout for a stream nobody ends.
    assert.ok(stopMs < 4000, `stop took ${stopMs} ms`);
    assert.match(srv.logs(), /API server shut down gracefully[\s\S]*ring server stopped/);
  });
});
