// `ring init --runtime podman|containerd|firecracker` writes only that runtime's table, as Ring does, and
// the server then says plainly that it cannot run it: it refuses to start when nothing else is enabled,
// and with Docker beside it, it refuses such deployments at POST (422, nothing stored). Docker is a stub.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerStub, type DockerStub } from '../../helpers/docker-stub.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { cliEnv, ringCli } from '../../helpers/processes.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'ring-init-runtime.'));

describe('ring init --runtime <not docker>', () => {
  for (const runtime of ['podman', 'containerd', 'firecracker']) {
    it(`${runtime}: only [server.runtime.${runtime}], no docker table; the doctor says it cannot run (exit 0)`, async () => {
      const dir = fresh();
      try {
        const r = await ringCli(['init', '--runtime', runtime, '--port', '4040'], cliEnv(dir, { HOME: dir }));
        assert.equal(r.code, 0, r.stderr);
        const toml = readFileSync(join(dir, 'config.toml'), 'utf8');
        assert.match(toml, new RegExp(`^\\[server\\.runtime\\.${runtime}\\]\\nenabled = true$`, 'm'));
        assert.doesNotMatch(toml, /\[server\.runtime\.docker\]/);
        assert.doesNotMatch(toml, /cloud_hypervisor/);
        assert.match(toml, /^api\.port = 4040$/m);
        assert.match(r.stdout, new RegExp(`^ {2}\\[-\\] ${runtime}: the ${runtime} runtime is not implemented by this server yet$`, 'm'));
        assert.doesNotMatch(r.stdout, /^Docker$/m, 'Docker is not enabled, so not checked');
        assert.match(r.stdout, /^Some dependencies are missing/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('the server refuses to start on such a config, naming the runtime (exit 1)', async () => {
    const dir = fresh();
    try {
      const env = cliEnv(dir, { HOME: dir, RING_DATABASE_PATH: join(dir, 'ring.db'), RING_SECRET_KEY: randomBytes(32).toString('base64') });
      assert.equal((await ringCli(['init', '--runtime', 'podman', '--port', '4041'], env)).code, 0);
      const r = await ringCli(['server', 'start'], env, 60_000);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const all = r.stdout + r.stderr;
      assert.match(all, /Refusing to start: no runtime is available \(.*podman: the podman runtime is not implemented by this server \(\[server\.runtime\.podman\] enabled = true has no effect\); use docker or cloud-hypervisor/);
      assert.match(all, /docker: the docker runtime is turned off/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('with Docker enabled beside it', () => {
    let docker: DockerStub;
    let srv: ServerProcess;
    let token = '';
    const cli = fresh();

    before(async () => {
      docker = await startDockerStub();
      srv = await startServerProcess({
        toml: ['[server.runtime.docker]', 'enabled = true', `host = "${docker.host}"`, '', '[server.runtime.podman]', 'enabled = true', ''].join('\n'),
      });
      const login = await fetch(`${srv.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'changeme' }) });
      token = ((await login.json()) as { token: string }).token;
      writeFileSync(join(cli, 'config.toml'), `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${new URL(srv.url).port}\n`);
    });

    after(async () => {
      await srv.stop();
      srv.cleanup();
      await docker.close();
      rmSync(cli, { recursive: true, force: true });
    });

    it('logs at start that podman cannot run here', () => {
      assert.match(srv.stdout() + srv.stderr(), /the podman runtime is not implemented by this server/);
    });

    it('POST a podman deployment → 422 deployment.runtime.not_enabled naming the enabled runtimes; nothing stored', async () => {
      const body = { name: 'pod', namespace: 'init-runtime', runtime: 'podman', image: 'nginx:1' };
      const r = await fetch(`${srv.url}/deployments`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(r.status, 422);
      const problem = (await r.json()) as { violations: Array<{ property_path: string; code: string; message: string }> };
      assert.deepEqual(problem.violations, [{ property_path: 'runtime', code: 'deployment.runtime.not_enabled', message: "runtime 'podman' is not implemented by this server (enabled: docker)" }]);
      const list = await fetch(`${srv.url}/deployments`, { headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(await list.json(), []);
    });

    it('ring apply prints the refusal with its code and exits 1', async () => {
      const manifest = join(cli, 'pod.yaml');
      writeFileSync(manifest, 'deployments:\n  pod:\n    name: pod\n    namespace: init-runtime\n    runtime: podman\n    image: nginx:1\n');
      const r = await ringCli(['apply', '-f', manifest], cliEnv(cli, { RING_TOKEN: token }));
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /^ {2}\* runtime: runtime 'podman' is not implemented by this server \(enabled: docker\) \[deployment\.runtime\.not_enabled\]$/m);
    });
  });
});
