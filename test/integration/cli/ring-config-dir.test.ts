// A Ring user's ~/.config/kemeter/ring (config.toml, auth.json, secret-key) is used as it is when our
// ~/.config/ring does not exist, and said once per run. A fake HOME, no RING_CONFIG_DIR; `ring server start`
// as a child process whose Docker is a stub (nothing touches the shared daemon).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerStub, type DockerStub } from '../../helpers/docker-stub.js';
import { freePort } from '../../helpers/server-process.js';
import { BIN, ROOT, cliEnv, ringCli, waitFor } from '../../helpers/processes.js';

describe("Ring's config directory", () => {
  const home = mkdtempSync(join(tmpdir(), 'ring-home.'));
  const ringDir = join(home, '.config', 'kemeter', 'ring');
  const ours = join(home, '.config', 'ring');
  let docker: DockerStub;
  let server: ChildProcess | undefined;
  let serverOut = '';
  let port = 0;
  let url = '';
  // HOME is all the CLI is told: no RING_CONFIG_DIR, no RING_TOKEN, no RING_SECRET_KEY.
  const env = (extra: Record<string, string | undefined> = {}) =>
    ({ ...cliEnv(home, { HOME: home, RING_CONFIG_DIR: undefined, RING_DATABASE_PATH: join(home, 'ring.db'), ...extra }) });
  const ring = (args: string[]) => ringCli(args, env());
  const notes = (stderr: string) => stderr.split('\n').filter((l) => l.includes("Ring's config directory"));

  before(async () => {
    docker = await startDockerStub();
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    mkdirSync(ringDir, { recursive: true });
    writeFileSync(join(ringDir, 'config.toml'), [
      '[contexts.default]', 'current = true', 'host = "127.0.0.1"', 'api.scheme = "http"', `api.port = ${port}`,
      '[contexts.default.user]', 'salt = "changeme"', '',
      '[server.scheduler]', 'interval = 1', '',
      '[server.runtime.docker]', 'enabled = true', `host = "${docker.host}"`, '',
    ].join('\n'));
    writeFileSync(join(ringDir, 'secret-key'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  });

  after(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    await docker.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('ring server start reads config.toml and secret-key from it, and logs that once', async () => {
    server = spawn(process.execPath, [BIN, 'server', 'start'], { cwd: ROOT, env: env({ RING_LOG_FORMAT: 'json' }), stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d: Buffer) => { serverOut += d.toString(); });
    server.stderr!.on('data', (d: Buffer) => { serverOut += d.toString(); });
    await waitFor(`ring server on ${url}`, async () => {
      if (server!.exitCode !== null) throw new Error(`server exited ${server!.exitCode}: ${serverOut}`);
      try { return (await fetch(`${url}/healthz`)).ok ? true : undefined; } catch { return undefined; }
    }, 60_000);
    const lines = serverOut.split('\n').filter((l) => l.includes("Ring's config directory"));
    assert.equal(lines.length, 1, serverOut);
    const line = JSON.parse(lines[0]!) as { level: string; fields: { message: string } };
    assert.equal(line.level, 'INFO');
    assert.equal(line.fields.message, `using Ring's config directory ${ringDir} (config.toml, auth.json, secret-key): ${ours} does not exist`);
  });

  it('the CLI logs in, stores the token in its auth.json, and uses its context; one note line per run', async () => {
    const login = await ring(['login', '-u', 'admin', '-p', 'changeme']);
    assert.equal(login.code, 0, login.stderr);
    assert.deepEqual(notes(login.stderr), [`note: using Ring's config directory ${ringDir} (config.toml, auth.json, secret-key): ${ours} does not exist`]);
    const auth = JSON.parse(readFileSync(join(ringDir, 'auth.json'), 'utf8')) as { default?: { token?: string } };
    assert.match(auth.default?.token ?? '', /^ring_pat_[0-9a-f]{64}$/, "Ring's auth.json format: {<context>: {token}}");
    assert.equal(existsSync(ours), false, 'ours is not created behind the user\'s back');

    const list = await ring(['user', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /\| admin +\|/);
    assert.equal(notes(list.stderr).length, 1, list.stderr);
    const token = await ring(['context', 'user-token']);
    assert.equal(token.stdout.trim(), auth.default?.token);
    const json = await ring(['user', 'list', '-o', 'json']);
    assert.doesNotThrow(() => JSON.parse(json.stdout), 'stdout stays machine-readable');
  });

  it('once ~/.config/ring exists (ring init), ours is read and nothing is said; Ring\'s files are left alone', async () => {
    const before = readFileSync(join(ringDir, 'config.toml'), 'utf8');
    // cloud-hypervisor: the doctor run by init then has no reason to call the shared Docker daemon.
    const init = await ring(['init', '--runtime', 'cloud-hypervisor', '--port', '3999']);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, new RegExp(`^Wrote ${join(ours, 'config.toml').replace(/[.]/g, '\\.')} `, 'm'));
    assert.match(init.stdout, /^Ring's config directory .* is left as it was; ring now reads /m);
    assert.equal(readFileSync(join(ringDir, 'config.toml'), 'utf8'), before);

    const ctx = await ring(['context', 'current-context', '-o', 'json']);
    assert.equal(ctx.code, 0, ctx.stderr);
    assert.equal(JSON.parse(ctx.stdout).port, 3999, 'our config.toml now');
    assert.deepEqual(notes(ctx.stderr), []);
    const token = await ring(['context', 'user-token']);
    assert.equal(token.code, 2, "Ring's auth.json is no longer read");
  });
});
