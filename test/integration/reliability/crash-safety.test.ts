// Crash safety (issue 9): a stream of applies, scale changes and deletes while `ring server` is
// SIGKILLed at random moments (sometimes before it even listens). Between kill and restart ring.db
// is checked directly: integrity, every acknowledged write present, every acknowledged delete
// gone, no duplicate active name. After each restart: Docker converges to exactly the acknowledged
// deployments and replicas (no orphan, no surplus) and no restart_count moved.
//
// `npm test` runs 3 kills; RING_RELIABILITY_LONG=1 (npm run test:reliability) runs 30, or
// RING_RELIABILITY_KILLS=N.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { ChildServer, freePort } from './support/child-server.js';
import { CrashModel } from './support/crash-model.js';
import { waitForConvergence } from './support/docker-view.js';

const LONG = process.env.RING_RELIABILITY_LONG === '1';
const KILLS = Number(process.env.RING_RELIABILITY_KILLS ?? (LONG ? 30 : 3));
const NAMES = ['alpha', 'beta', 'gamma', 'delta'];
const docker = new Docker();
const dir = mkdtempSync(join(tmpdir(), 'ring-crash-'));
const ns = uniqueNamespace('crash');
let server: ChildServer | null = null;

after(async () => {
  await server?.kill('SIGKILL');
  await removeNamespaceArtifacts([ns]);
  rmSync(dir, { recursive: true, force: true });
});

const rand = (n: number) => Math.floor(Math.random() * n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(`every acknowledged write survives ${KILLS} SIGKILLs of the server`, { timeout: (LONG ? 40 : 4) * 60_000 }, async (t) => {
  await ensureTestImages(docker);
  const port = await freePort();
  const model = new CrashModel(NAMES);
  const dbPath = join(dir, 'ring.db');
  let opSeq = 0;
  let unexpected: string[] = [];
  let kills = 0;
  let killedBeforeListening = 0;

  /** One writer per name: it stops at the first unanswered request (the server is gone). */
  async function writer(srv: ChildServer, token: string, name: string, stop: { now: boolean }): Promise<void> {
    const s = model.names.get(name)!;
    while (!stop.now) {
      const roll = rand(10);
      try {
        if (s.active && roll < 3) {
          const id = s.active.id;
          s.pending = { kind: 'delete', id };
          const r = await srv.request('DELETE', `/deployments/${id}`, { token, timeoutMs: 15_000 });
          if (r.status === 204) model.ackDelete(name, id);
          else { s.pending = null; unexpected.push(`DELETE ${name} → ${r.status} ${r.text}`); }
        } else {
          // An apply (new command) or a scale (same spec, other replica count); both replace the row.
          const replicas = rand(3);
          const tag = `op-${++opSeq}`;
          s.pending = { kind: 'apply', tag, replicas };
          const r = await srv.request('POST', '/deployments', {
            token, timeoutMs: 15_000,
            body: {
              name, namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, replicas,
              command: roll < 7 ? ['sleep', '3600'] : ['sleep', '3601'],
              labels: { 'rel.op': tag }, config: { image_pull_policy: 'Never' },
            },
          });
          if (r.status === 201) model.ackApply(name, r.json.id, replicas);
          else { s.pending = null; unexpected.push(`POST ${name} → ${r.status} ${r.text}`); }
        }
      } catch {
        return; // no answer: the server died; s.pending stays for verify()
      }
      await sleep(rand(150));
    }
  }

  for (let cycle = 0; cycle <= KILLS; cycle++) {
    // Some kills land during start-up (migrations, seeding, the first pass), before it listens.
    if (cycle > 0 && cycle < KILLS && rand(5) === 0) {
      const early = ChildServer.spawn({ dir, port });
      await sleep(100 + rand(900));
      await early.kill('SIGKILL');
      kills++;
      killedBeforeListening++;
      const problems = model.verify(dbPath, ns);
      assert.deepEqual(problems, [], `after a kill during start-up:\n${problems.join('\n')}`);
    }

    server = await ChildServer.start({ dir, port });
    const token = await server.adminToken();

    // Converged on exactly what was acknowledged, and nothing counted a crash.
    const view = await waitForConvergence(docker, ns, () => model.activeIds(), 120_000);
    assert.ok(view.ok, `cycle ${cycle}: Docker did not converge on the acknowledged state:\n${view.problems.join('\n')}\n${server.output.slice(-3000)}`);
    const listed = await server.request('GET', `/deployments?namespace=${ns}`, { token });
    assert.equal(listed.status, 200);
    const counted = (listed.json as any[]).filter((d) => d.restart_count !== 0).map((d) => `${d.name} ${d.id}: ${d.restart_count}`);
    assert.deepEqual(counted, [], `cycle ${cycle}: restart_count inflated by the kills`);
    assert.deepEqual(unexpected, [], 'every write answered 2xx or not at all');
    if (cycle === KILLS) break;

    // Load, then a kill at a random moment of it.
    const stop = { now: false };
    const writers = NAMES.map((n) => writer(server!, token, n, stop));
    await sleep(300 + rand(2500));
    await server.kill('SIGKILL');
    kills++;
    stop.now = true;
    await Promise.all(writers);
    server = null;
    const problems = model.verify(dbPath, ns);
    assert.deepEqual(problems, [], `after kill ${kills}:\n${problems.join('\n')}`);
  }

  await server?.kill('SIGTERM');
  server = null;
  t.diagnostic(`kills survived: ${kills} (${killedBeforeListening} before the server listened); acknowledged writes: ${model.acknowledged}; lost: ${model.lost.length}`);
  assert.ok(kills >= KILLS);
  assert.ok(model.acknowledged > KILLS, `the load made too few writes to mean anything (${model.acknowledged})`);
  assert.equal(model.lost.length, 0);
});
