// `ring gitops diff|watch|status|suspend|resume|sync --now` as a user runs them: bin/ring child
// processes, a real git repository, a real server (in-process), real Docker containers, and a
// webhook receiver on 127.0.0.1. The watcher records its state in a status file; every step reads
// it back through `ring gitops status`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { TestRepo, workerManifest } from '../../helpers/git-repo.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { BIN, ROOT, ringCli, sleep } from '../../helpers/processes.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

interface Listed { id: string; name: string; namespace: string; status: string; replicas: number; labels: Record<string, string>; instances: unknown[] }

describe('ring gitops diff, status, health, drift, notify, suspend', () => {
  let s: TestServer;
  let token = '';
  const ns = uniqueNamespace('gst');
  const configDir = mkdtempSync(join(tmpdir(), 'ring-cli-gitops-status.'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'ring-gitops-cache.'));
  const repo = new TestRepo();
  let watcher: ChildProcess | undefined;
  let watchOut = '';
  let hook: Server;
  let hookUrl = '';
  const notes: { kind: string; outcome: string; revision: string; deployments: { name: string; outcome: string; detail?: string }[]; errors: string[] }[] = [];

  const env = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, RING_CONFIG_DIR: configDir, NO_COLOR: '1', RING_TOKEN: token, RING_GITOPS_CACHE_DIR: cacheDir };
    for (const k of ['RING_CONFIG_FILE', 'RING_SECRET_KEY', 'RING_DATABASE_PATH', 'RING_URL']) delete e[k];
    return e;
  };
  const ring = (...args: string[]) => ringCli(args, env(), 120_000);
  const src = ['--repo', repo.dir, '--path', 'manifests'];

  async function deployments(): Promise<Listed[]> {
    const r = await s.request('GET', `/deployments?namespace=${ns}`, { token });
    assert.equal(r.status, 200, r.text);
    return r.json as Listed[];
  }
  const active = async (name: string) => (await deployments()).filter((d) => d.name === name && d.status !== 'deleted');

  async function eventually<T>(what: string, ms: number, probe: () => Promise<T | undefined | false>): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > end) assert.fail(`${what} within ${ms} ms; watch output:\n${watchOut.slice(-3000)}\ndeployments: ${JSON.stringify((await deployments()).map((d) => [d.name, d.status, d.replicas, d.instances.length]))}`);
      await sleep(300);
    }
  }

  async function statusJson(): Promise<any> {
    const r = await ring('gitops', 'status', ...src, '-o', 'json');
    if (r.code === 4) return undefined; // nothing recorded yet
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout)[0];
  }

  /** Waits until the watcher recorded `revision` with a final outcome. */
  const recorded = (revision: string, ms = 60_000) => eventually(`status of ${revision.slice(0, 12)}`, ms, async () => {
    const st = await statusJson();
    return st?.revision === revision && st.outcome !== 'progressing' && st.synced_at && st;
  });

  before(async () => {
    await ensureTestImages();
    // A short rollout deadline: a readiness gate that never opens fails in seconds.
    s = await startTestServer({ RING_ROLLOUT_DEADLINE: '6' });
    token = await s.adminToken();
    writeFileSync(join(configDir, 'config.toml'), `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${new URL(s.url).port}\n`);
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        try { notes.push(JSON.parse(body)); } catch { /* counted as missing */ }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  });

  after(async () => {
    if (watcher && watcher.exitCode === null) watcher.kill('SIGKILL');
    hook?.close();
    await s?.close();
    await removeNamespaceArtifacts([ns]);
    repo.remove();
    rmSync(configDir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  let commit1 = '';

  it('diff before the first sync: the deployment would be created, exit 1; a broken manifest is exit 2', async () => {
    repo.write('manifests/.gitkeep', '').write('manifests/web.yaml', workerManifest('web', ns, BUSYBOX_IMAGE, 1));
    commit1 = repo.commit('web: 1 replica');
    const d = await ring('gitops', 'diff', ...src);
    assert.equal(d.code, 1, d.stderr);
    assert.match(d.stdout, new RegExp(`\\+ deployment ${ns}/web \\(manifests/web\\.yaml\\): would be created`));
    assert.match(d.stdout, /1 to create, 0 to change, 0 unchanged/);
    const missing = await ring('gitops', 'diff', '--repo', repo.dir, '--path', 'nope');
    assert.equal(missing.code, 2, 'an error is not "differences"');
  });

  it('watch applies the commit, waits for its rollout, records it healthy and notifies; diff is then empty (exit 0)', async () => {
    watcher = spawn(process.execPath, [BIN, 'gitops', 'watch', ...src, '--interval', '500ms', '--self-heal', '--notify', hookUrl, '--health-timeout', '60s'], {
      cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    watcher.stdout!.on('data', (c: Buffer) => { watchOut += c.toString(); });
    watcher.stderr!.on('data', (c: Buffer) => { watchOut += c.toString(); });
    const st = await recorded(commit1);
    assert.equal(st.outcome, 'healthy', watchOut);
    assert.equal(st.subject, 'web: 1 replica');
    assert.equal(st.watcher_running, true);
    assert.deepEqual(st.deployments.map((d: any) => [d.name, d.outcome]), [['web', 'healthy']]);
    const text = await ring('gitops', 'status', ...src);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`Last sync: +${commit1.slice(0, 12)} "web: 1 replica" at `));
    assert.match(text.stdout, /Outcome: +healthy/);
    assert.match(text.stdout, new RegExp(`${ns}/web +manifests/web\\.yaml +healthy +`));
    console.log(`# ring gitops status after a good commit:\n${text.stdout.replace(/^/gm, '#   ')}`);
    await eventually('the healthy notification', 10_000, async () => notes.find((n) => n.revision === commit1));
    const n = notes.find((x) => x.revision === commit1)!;
    assert.deepEqual([n.kind, n.outcome], ['gitops.synced', 'healthy']);
    const d = await ring('gitops', 'diff', ...src);
    assert.equal(d.code, 0, `no differences after the sync:\n${d.stdout}`);
    assert.match(d.stdout, /0 to create, 0 to change, 1 unchanged/);
  });

  it('suspend holds a new commit back (diff shows the field); resume applies it', async () => {
    const sus = await ring('gitops', 'suspend', ...src);
    assert.equal(sus.code, 0, sus.stderr);
    await eventually('the watcher says suspended', 10_000, async () => /suspended: no sync/.test(watchOut));
    repo.write('manifests/web.yaml', workerManifest('web', ns, BUSYBOX_IMAGE, 2));
    const commit2 = repo.commit('web: 2 replicas');
    const d = await ring('gitops', 'diff', ...src);
    assert.equal(d.code, 1);
    assert.match(d.stdout, new RegExp(`~ deployment ${ns}/web \\(manifests/web\\.yaml\\): \\d+ fields? differ`));
    assert.match(d.stdout, /\n {4}replicas\n {6}- 1\n {6}\+ 2\n/);
    const text = await ring('gitops', 'status', ...src);
    assert.match(text.stdout, /Watcher: +SUSPENDED/);
    await sleep(2000);
    assert.deepEqual((await active('web')).map((x) => x.replicas), [1], 'nothing applied while suspended');
    const res = await ring('gitops', 'resume', ...src);
    assert.equal(res.code, 0, res.stderr);
    const st = await recorded(commit2);
    assert.equal(st.outcome, 'healthy');
    assert.deepEqual((await active('web')).map((x) => x.replicas), [2]);
  });

  it('a commit the server refuses is recorded failed with the reason', async () => {
    repo.write('manifests/broken.yaml', workerManifest('broken', ns, BUSYBOX_IMAGE, -1));
    const commit3 = repo.commit('broken: bad field');
    const st = await recorded(commit3);
    assert.equal(st.outcome, 'failed', JSON.stringify(st));
    assert.ok(st.errors.length > 0, 'errors recorded');
    const text = await ring('gitops', 'status', ...src);
    assert.match(text.stdout, /Outcome: +failed/);
    assert.match(text.stdout, /Errors:\n {2}\S/);
    console.log(`# ring gitops status after a failed commit:\n${text.stdout.replace(/^/gm, '#   ')}`);
    await eventually('the failed notification', 10_000, async () => notes.find((n) => n.revision === commit3 && n.outcome === 'failed'));
    repo.git('rm', '-q', 'manifests/broken.yaml');
    assert.equal((await recorded(repo.commit('drop broken'))).outcome, 'healthy');
  });

  it('a rollout that fails (readiness never green) makes the commit degraded; sync --now reports it (exit 6)', async () => {
    const never = [
      '    health_checks:',
      '      - type: tcp',
      '        port: 81',
      '        interval: 300ms',
      '        timeout: 500ms',
      '        readiness: true',
      '        min_healthy_time: 1s',
    ].join('\n');
    repo.write('manifests/gated.yaml', workerManifest('gated', ns, BUSYBOX_IMAGE, 1, never));
    const commit5 = repo.commit('gated: readiness that never passes');
    const st = await recorded(commit5, 90_000);
    assert.equal(st.outcome, 'degraded', JSON.stringify(st));
    const gated = st.deployments.find((d: any) => d.name === 'gated');
    assert.equal(gated.outcome, 'failed');
    assert.ok(gated.detail, 'the reason is recorded');
    assert.equal(st.deployments.find((d: any) => d.name === 'web').outcome, 'unchanged');
    await eventually('the degraded notification', 10_000, async () => notes.find((n) => n.revision === commit5 && n.outcome === 'degraded'));

    const now = await ring('gitops', 'sync', '--now', ...src, '--timeout', '60s');
    assert.equal(now.code, 6, `${now.stdout}\n${now.stderr}`);
    assert.match(now.stdout, /Asked the watcher \(pid \d+\) to sync now/);
    assert.match(now.stdout, /Outcome: +degraded/);
    assert.match(watchOut, /syncing \(sync now\)/);
    repo.git('rm', '-q', 'manifests/gated.yaml');
    // Recorded before the next test forces a drift: otherwise this sync races the drift check.
    await recorded(repo.commit('drop gated'), 90_000);
  });

  it('drift: a deployment replaced by hand is reported and --self-heal restores the manifest', async () => {
    const before = (await active('web'))[0]!;
    const r = await s.request('POST', '/deployments?force=true', {
      token, body: { name: 'web', namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, replicas: 1, config: { image_pull_policy: 'IfNotPresent' } },
    });
    assert.ok(r.status === 200 || r.status === 201, r.text);
    const healed = await eventually('web healed back to the manifest', 30_000, async () => {
      const w = await active('web');
      return w.length === 1 && w[0]!.id !== before.id && w[0]!.replicas === 2 && w[0]!.labels['ring.gitops/repo'] && w[0]!.status === 'running' && w[0];
    });
    assert.ok(healed);
    assert.match(watchOut, new RegExp(`drift: ${ns}/web changed on the server \\([^)]*replicas[^)]*\\)`), watchOut.slice(-4000));
    const st = await statusJson();
    assert.ok(Array.isArray(st.drift));
    const d = await ring('gitops', 'diff', ...src);
    assert.equal(d.code, 0, d.stdout);

    watcher!.kill('SIGTERM');
    await eventually('watch exits', 10_000, async () => watcher!.exitCode !== null);
    assert.equal(watcher!.exitCode, 0);
    const text = await ring('gitops', 'status', ...src);
    assert.match(text.stdout, /Watcher: +not running/);
  });
});
