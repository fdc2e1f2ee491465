// B1 (server): `ring init --runtime cloud-hypervisor|both` writes a config that starts; an enabled
// runtime whose binary is missing is skipped with a warning; with no runtime left the server refuses
// to start with one line naming each runtime's cause.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { BIN, ROOT, cliEnv, ringCli } from '../../helpers/processes.js';
import { freePort } from '../../helpers/server-process.js';
import { pidsMentioning } from '../../../src/runtime/cloud-hypervisor/process.js';
import { poll } from './e2e-support.js';
import { SIMULATOR } from './support.js';

interface Started { code: number | null; output: string; up: boolean }

/** Runs `ring server start` until /healthz answers (then SIGTERM) or it exits. */
async function serve(dir: string, env: NodeJS.ProcessEnv, port: number): Promise<Started> {
  const child = spawn(process.execPath, [BIN, 'server', 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  let code: number | null | undefined;
  child.once('exit', (c) => { code = c; });
  const up = await poll('server up or gone', async () => {
    if (code !== undefined) return 'exited';
    try { return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? 'up' : undefined; } catch { return undefined; }
  }, 90_000).then((r) => r === 'up');
  if (up) {
    child.kill('SIGTERM');
    await poll('server stopped', async () => (code !== undefined ? true : undefined), 30_000);
  }
  return { code: code ?? null, output, up };
}

async function init(runtime: string): Promise<{ dir: string; env: NodeJS.ProcessEnv; port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'rch-init-'));
  const port = await freePort();
  const env = cliEnv(dir, { HOME: dir, RING_DATABASE_PATH: join(dir, 'ring.db') });
  const r = await ringCli(['init', '--runtime', runtime, '--port', String(port)], env);
  assert.equal(r.code, 0, r.stderr);
  env.RING_SECRET_KEY = readFileSync(join(dir, 'secret-key'), 'utf8').trim();
  return { dir, env, port };
}

describe('cloud-hypervisor runtime at server start (B1)', () => {
  test('init --runtime cloud-hypervisor: starts with the binary on PATH (the simulator is named cloud-hypervisor)', async () => {
    const { dir, env, port } = await init('cloud-hypervisor');
    try {
      const s = await serve(dir, { ...env, PATH: `${dirname(SIMULATOR)}:${env.PATH}` }, port);
      assert.ok(s.up, s.output);
      assert.match(s.output, /cloud-hypervisor/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('init --runtime cloud-hypervisor without the binary: refuses to start with one clear line', async () => {
    const { dir, env, port } = await init('cloud-hypervisor');
    try {
      const s = await serve(dir, { ...env, PATH: '/usr/bin:/bin' }, port);
      assert.equal(s.up, false);
      assert.notEqual(s.code, 0);
      const refusal = s.output.split('\n').filter((l) => /no runtime is available/.test(l));
      assert.equal(refusal.length, 1, s.output);
      assert.match(refusal[0]!, /docker: the docker runtime is turned off.*cloud-hypervisor: the cloud-hypervisor binary 'cloud-hypervisor' was not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('init --runtime both: starts with Docker when the CH binary is missing, and says why CH is off', async () => {
    const { dir, env, port } = await init('both');
    try {
      const s = await serve(dir, { ...env, PATH: '/usr/bin:/bin' }, port);
      if (!s.up && /Docker is not reachable/.test(s.output)) return; // no Docker on this host: covered by the test above
      assert.ok(s.up, s.output);
      assert.match(s.output, /cloud-hypervisor binary 'cloud-hypervisor' was not found.*disabled/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a configured binary_path that is not cloud-hypervisor is refused by --version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rch-init-'));
    const port = await freePort();
    try {
      writeFileSync(join(dir, 'config.toml'), ['[contexts.default]', 'host = "127.0.0.1"', `api.port = ${port}`, '',
        '[server.runtime.docker]', 'enabled = false', '', '[server.runtime.cloud_hypervisor]', 'enabled = true', 'binary_path = "/bin/true"', ''].join('\n'));
      const env = cliEnv(dir, { HOME: dir, RING_DATABASE_PATH: join(dir, 'ring.db'), RING_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') });
      const s = await serve(dir, env, port);
      assert.equal(s.up, false);
      assert.match(s.output, /does not look like cloud-hypervisor/);
      assert.deepEqual(pidsMentioning(join(dir, 'cloud-hypervisor')), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('scripts/ch-smoke.sh says why it is skipped on a host it cannot run on', async (t) => {
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'ch-smoke.sh')], { encoding: 'utf8', env: { ...process.env, RING_CH_BINARY: SIMULATOR } });
    if (r.status === 0 && /^ok:/m.test(r.stdout)) return t.skip('a real KVM host: the smoke test ran');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^skipped: \S.+/m);
  });
});
