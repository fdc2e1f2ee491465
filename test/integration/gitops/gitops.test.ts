// `ring gitops sync|watch` as a user runs them: bin/ring child processes, a real git repository in a
// temp dir, a real server (in-process) and real Docker containers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { TestRepo, workerManifest } from '../../helpers/git-repo.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'ring');

interface Result { code: number | null; stdout: string; stderr: string }
interface Listed { id: string; name: string; namespace: string; status: string; replicas: number; labels: Record<string, string>; instances: unknown[] }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ring gitops', () => {
  let s: TestServer;
  let token = '';
  const ns = uniqueNamespace('gitops');
  const configDir = mkdtempSync(join(tmpdir(), 'ring-cli-gitops.'));
  const repo = new TestRepo();
  let watcher: ChildProcess | undefined;

  const env = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, RING_CONFIG_DIR: configDir, NO_COLOR: '1', RING_TOKEN: token };
    for (const k of ['RING_CONFIG_FILE', 'RING_SECRET_KEY', 'RING_DATABASE_PATH']) delete e[k];
    return e;
  };

  function ring(args: string[]): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  const sync = (...extra: string[]) => ring(['gitops', 'sync', '--repo', repo.dir, '--path', 'manifests', ...extra]);

  async function deployments(): Promise<Listed[]> {
    const r = await s.request('GET', `/deployments?namespace=${ns}`, { token });
    assert.equal(r.status, 200, r.text);
    return r.json as Listed[];
  }

  /** The active (not deleted) deployment of that name, if any. */
  async function active(name: string): Promise<Listed | undefined> {
    return (await deployments()).find((d) => d.name === name && d.status !== 'deleted');
  }

  async function eventually<T>(what: string, ms: number, probe: () => Promise<T | undefined | false>): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > end) assert.fail(`${what} within ${ms} ms; deployments: ${JSON.stringify((await deployments()).map((d) => [d.name, d.status, d.replicas, d.instances.length]))}`);
      await sleep(250);
    }
  }

  before(async () => {
    await ensureTestImages();
    s = await startTestServer();
    token = await s.adminToken();
    writeFileSync(join(configDir, 'config.toml'), `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${new URL(s.url).port}\n`);
  });

  after(async () => {
    if (watcher && watcher.exitCode === null) watcher.kill('SIGKILL');
    await s?.close();
    await removeNamespaceArtifacts([ns]);
    repo.remove();
    rmSync(configDir, { recursive: true, force: true });
  });

  let manualId = '';
  let appId = '';

  it('sync applies the manifests with the gitops labels and leaves a hand-applied deployment alone', async () => {
    const manual = await s.request('POST', '/deployments', {
      token, body: { name: 'manual', namespace: ns, runtime: 'docker', image: BUSYBOX_IMAGE, replicas: 1, config: { image_pull_policy: 'IfNotPresent' } },
    });
    assert.equal(manual.status, 201, manual.text);
    manualId = manual.json.id;

    repo.write('manifests/.gitkeep', '').write('manifests/app.yaml', workerManifest('app', ns, BUSYBOX_IMAGE, 1));
    repo.commit('app: 1 replica');
    const r = await sync('--prune');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /manifests\/app\.yaml: Deployment 'app' created/);
    assert.match(r.stdout, /Applied: 1\n {2}Unchanged: 0\n {2}Pruned: 0/);

    const app = await eventually('app running', 30_000, async () => {
      const d = await active('app');
      return d?.status === 'running' && d;
    });
    appId = app.id;
    assert.equal(app.labels['ring.gitops/source'], 'manifests/app.yaml');
    assert.equal(app.labels['ring.gitops/repo'], realpathSync(repo.dir));
    assert.match(app.labels['ring.gitops/hash'] ?? '', /^[0-9a-f]{16}$/);
    assert.equal((await active('manual'))?.id, manualId);
  });

  it('a second sync of the same commit replaces nothing', async () => {
    const r = await sync('--prune');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment 'app' in namespace '.+' is up to date/);
    assert.match(r.stdout, /Applied: 0\n {2}Unchanged: 1/);
    assert.equal((await active('app'))?.id, appId);
  });

  it('--dry-run shows a replicas change without sending it; sync then applies it', async () => {
    repo.write('manifests/app.yaml', workerManifest('app', ns, BUSYBOX_IMAGE, 2));
    repo.commit('app: 2 replicas');
    const dry = await sync('--prune', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Deployment 'app' would be created in namespace '.+' \(dry run\)/);
    assert.match(dry.stdout, /To apply: 1/);
    assert.equal((await active('app'))?.id, appId, 'the dry run changed nothing');

    const r = await sync('--prune');
    assert.equal(r.code, 0, r.stderr);
    const app = await eventually('app running 2 instances', 30_000, async () => {
      const d = await active('app');
      return d && d.id !== appId && d.status === 'running' && d.instances.length === 2 && d;
    });
    assert.equal(app.replicas, 2);
    appId = app.id;
  });

  it('--prune deletes a git rm-ed manifest’s deployment, never the hand-applied one', async () => {
    repo.git('rm', '-q', 'manifests/app.yaml');
    repo.commit('remove app');
    const without = await sync();
    assert.equal(without.code, 0, without.stderr);
    assert.equal((await active('app'))?.id, appId, 'nothing is pruned without --prune');

    const r = await sync('--prune');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Pruned deployment 'app' in namespace '${ns}' \\(id ${appId}, source manifests/app\\.yaml\\)`));
    await eventually('app gone', 30_000, async () => !(await active('app')));
    const manual = await active('manual');
    assert.equal(manual?.id, manualId);
    assert.equal(manual?.status, 'running');
  });

  it('watch applies a new commit, heals a deleted deployment, and exits 0 on SIGTERM', async () => {
    let out = '';
    watcher = spawn(process.execPath, [BIN, 'gitops', 'watch', '--repo', repo.dir, '--path', 'manifests', '--interval', '500ms'], {
      cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    watcher.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    watcher.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => watcher!.on('exit', (code) => resolve(code)));
    await eventually('watch started', 10_000, async () => /revision [0-9a-f]{12}: 0 applied/.test(out));

    repo.write('manifests/second.yaml', workerManifest('second', ns, BUSYBOX_IMAGE, 1));
    repo.commit('add second');
    const second = await eventually('second applied by watch', 60_000, async () => active('second'));
    await eventually('second running', 30_000, async () => (await active('second'))?.status === 'running');

    // Several polls later the unchanged deployment is still the same one.
    await sleep(1500);
    assert.equal((await active('second'))?.id, second.id);

    const del = await s.request('DELETE', `/deployments/${second.id}`, { token });
    assert.equal(del.status, 204);
    const healed = await eventually('second re-applied after its deletion', 10_000, async () => active('second'));
    assert.notEqual(healed.id, second.id);
    assert.match(out, /drift at [0-9a-f]{12}: 1 re-applied/);
    assert.equal((await active('manual'))?.id, manualId);

    watcher.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(5000).then(() => 'timeout' as const)]);
    assert.equal(code, 0, `watch output:\n${out}`);
    assert.match(out, /stopped\n$/);
  });
});
