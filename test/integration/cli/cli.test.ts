// End-to-end tests of the `ring` CLI: a real server (`ring server start`) as a child process, driven by
// `ring …` child processes, exactly as a user would. Needs Docker (the apply test runs a container).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { BIN, ROOT, cliEnv, docker, ringCli, waitFor } from '../../helpers/processes.js';
import { freePort } from '../../helpers/server-process.js';


const ring = (args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000) => ringCli(args, env, timeoutMs);
const baseEnv = cliEnv;

async function containersOf(ns: string): Promise<string[]> {
  const r = await docker(['ps', '-a', '--format', '{{.Names}}']);
  return r.stdout.split('\n').map((s) => s.trim()).filter((n) => n.startsWith(`${ns}_`));
}

describe('ring CLI against a real server', () => {
  const ns = `cli-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'ring-cli-test.'));
  const initDir = mkdtempSync(join(tmpdir(), 'ring-cli-init.'));
  const secretKey = randomBytes(32).toString('base64');
  let port = 0;
  let deadPort = 0;
  let server: ChildProcess | undefined;
  let serverLog = '';
  let env: NodeJS.ProcessEnv;

  before(async () => {
    await ensureTestImages();
    port = await freePort();
    do deadPort = await freePort(); while (deadPort === port);
    writeFileSync(join(dir, 'config.toml'), [
      '[contexts.default]',
      'host = "127.0.0.1"',
      `api.port = ${port}`,
      '',
      '[contexts.dead]',
      'host = "127.0.0.1"',
      `api.port = ${deadPort}`,
      '',
      '[server.scheduler]',
      'interval = 1',
      '',
      '[server.runtime.docker]',
      'enabled = true',
      '',
    ].join('\n'));
    env = baseEnv(dir);

    server = spawn(process.execPath, [BIN, 'server', 'start'], {
      cwd: ROOT,
      env: baseEnv(dir, { RING_SECRET_KEY: secretKey, RING_DATABASE_PATH: join(dir, 'ring.db'), RING_SCHEDULER_INTERVAL: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d: Buffer) => { serverLog += d.toString(); });
    server.stderr!.on('data', (d: Buffer) => { serverLog += d.toString(); });
    let exited = false;
    server.on('exit', () => { exited = true; });
    await waitFor('the server to answer /healthz', async () => {
      if (exited) throw new Error(`the server exited during startup:\n${serverLog}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return res.ok ? true : undefined;
      } catch {
        return undefined;
      }
    }, 60_000);
  });

  after(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const gone = new Promise<void>((r) => server!.once('exit', () => r()));
      server.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([gone.then(() => true), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), 15_000); })]);
      clearTimeout(timer);
      if (!killed) {
        server.kill('SIGKILL');
        await gone;
      }
    }
    const names = await containersOf(ns);
    if (names.length) await docker(['rm', '-f', ...names]);
    await docker(['network', 'rm', `ring_${ns}`]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(initDir, { recursive: true, force: true });
  });

  it('init writes config.toml and a 0600 secret key, and refuses to overwrite without --force', async () => {
    const initEnv = baseEnv(initDir);
    const first = await ring(['init', '--runtime', 'docker', '--port', '3999'], initEnv);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Pre-flight checks \(ring doctor\)/);
    assert.match(first.stdout, /\[[+-]\] RING_SECRET_KEY: /);
    const toml = readFileSync(join(initDir, 'config.toml'), 'utf8');
    assert.match(toml, /\[contexts\.default\]/);
    assert.match(toml, /host = "127\.0\.0\.1"/);
    assert.match(toml, /api\.port = 3999/);
    assert.match(toml, /\[server\.runtime\.docker\]\nenabled = true/);
    const keyFile = join(initDir, 'secret-key');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64').length, 32);

    const again = await ring(['init'], initEnv);
    assert.equal(again.code, 1);
    assert.ok(again.stderr.includes(`Error: ${join(initDir, 'config.toml')} already exists.`), again.stderr);

    const forced = await ring(['init', '--force', '--port', '4000'], initEnv);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(join(initDir, 'config.toml'), 'utf8'), /api\.port = 4000/);

    const bad = await ring(['init', '--force', '--runtime', 'vmware'], initEnv);
    assert.equal(bad.code, 2);
    assert.ok(bad.stderr.includes('docker, podman, cloud-hypervisor, firecracker, both'), bad.stderr);
  });

  it('server start refuses to start without RING_SECRET_KEY', async () => {
    const r = await ring(['server', 'start'], baseEnv(dir, { RING_DATABASE_PATH: join(dir, 'refused.db') }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Refusing to start: RING_SECRET_KEY environment variable is not set/m);
    assert.equal(existsSync(join(dir, 'refused.db')), false);
  });

  it('a command without a token tells the user to log in (exit 2)', async () => {
    const r = await ring(['namespace', 'list'], env);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), 'Error: Auth error: Account not found. Login first or set RING_TOKEN');
  });

  it('login with bad credentials fails with exit 2', async () => {
    const r = await ring(['login', '-u', 'admin', '-p', 'wrong-password'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Login failed: Unauthorized \(401\)/);
    assert.equal(existsSync(join(dir, 'auth.json')), false);
  });

  it('login stores the session token in auth.json with mode 0600', async () => {
    const r = await ring(['login', '-u', 'admin', '-p', 'changeme'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Logging in as admin$/m);
    const file = join(dir, 'auth.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const auth = JSON.parse(readFileSync(file, 'utf8')) as { default?: { token?: string } };
    assert.match(auth.default?.token ?? '', /^ring_pat_[0-9a-f]{64}$/);
  });

  it('user create and list', async () => {
    const name = `u${randomBytes(3).toString('hex')}`;
    const created = await ring(['user', 'create', '-u', name, '-p', 'a-long-password'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`^User '${name}' created \\(id: [0-9a-f-]{36}\\)$`, 'm'));

    const list = await ring(['user', 'list'], env);
    assert.equal(list.code, 0, list.stderr);
    const header = list.stdout.split('\n')[1] ?? '';
    for (const col of ['ID', 'Created at (UTC)', 'Updated at (UTC)', 'Status', 'Username', 'Login at (UTC)']) assert.ok(header.includes(col), header);
    assert.match(list.stdout, /^\+-+/);
    assert.match(list.stdout, new RegExp(`\\| ${name} +\\|`));
    assert.match(list.stdout, /\| admin +\|/);

    const tooShort = await ring(['user', 'create', '-u', `${name}x`, '-p', 'short'], env);
    assert.equal(tooShort.code, 1);
    assert.match(tooShort.stderr, /Validation failed \(422\)\n {2}\* password: /);
  });

  it('namespace create, list, 422, 409, delete', async () => {
    const name = `${ns}-x`;
    const created = await ring(['namespace', 'create', name], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`^Namespace '${name}' created \\(id: [0-9a-f-]{36}\\)$`, 'm'));

    const dup = await ring(['namespace', 'create', name], env);
    assert.equal(dup.code, 5);
    assert.match(dup.stderr, new RegExp(`^Failed to create namespace '${name}': Conflict \\(409\\)`));

    const invalid = await ring(['namespace', 'create', '-'], env);
    assert.equal(invalid.code, 1);
    const lines = invalid.stderr.trim().split('\n');
    assert.equal(lines[0], "Failed to create namespace '-': Validation failed (422)");
    assert.equal(lines.filter((l) => l.startsWith('  * name: ')).length, 2, invalid.stderr);

    const list = await ring(['namespace', 'list'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /\| Id +\| Name +\| Created at \(UTC\) +\|/);
    assert.match(list.stdout, new RegExp(`\\| ${name} +\\|`));

    const del = await ring(['namespace', 'delete', name], env);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, new RegExp(`^Namespace '${name}' deleted$`, 'm'));

    const gone = await ring(['namespace', 'delete', name], env);
    assert.equal(gone.code, 4);
    assert.equal(gone.stderr.trim(), `error: namespace '${name}' not found`);
  });

  it('node get', async () => {
    const r = await ring(['node', 'get'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Hostname: +\S+/m);
    assert.match(r.stdout, /^CPUs: +\d+/m);
  });

  it('an unreachable server gives one line and exit 3', async () => {
    const r = await ring(['--context', 'dead', 'node', 'get'], { ...env, RING_TOKEN: 'ring_pat_unused' });
    assert.equal(r.code, 3);
    assert.equal(r.stderr, `error: cannot reach the server at http://127.0.0.1:${deadPort} — is it running? (connection refused)\n`);
    assert.equal(r.stdout, '');
  });

  it('--output is refused where it does not apply (usage error, exit 2)', async () => {
    // Every list/inspect/get takes -o json|yaml now (CI issue); a delete does not.
    const r = await ring(['namespace', 'delete', 'whatever', '-o', 'json'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '-o'/);
  });

  it('apply a worker, see it in deployment list -o json, inspect it, delete it', async () => {
    const manifest = join(dir, 'ring.yaml');
    writeFileSync(manifest, [
      'namespaces:',
      `  main:`,
      `    name: ${ns}`,
      'deployments:',
      '  sleeper:',
      '    name: $NAME_FROM_ENV',
      `    namespace: ${ns}`,
      `    image: ${BUSYBOX_IMAGE}`,
      '    command: ["sh", "-c", "echo ring-cli-marker; exec sleep 3600"]',
      '    config:',
      '      image_pull_policy: IfNotPresent',
      '',
    ].join('\n'));
    const envFile = join(dir, 'apply.env');
    writeFileSync(envFile, 'NAME_FROM_ENV=sleeper\n');

    const applied = await ring(['apply', '-f', manifest, '--env-file', envFile], env);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    assert.match(applied.stdout, new RegExp(`^Namespace '${ns}' created$`, 'm'));
    assert.match(applied.stdout, /^Processing deployment 'sleeper'$/m);
    assert.match(applied.stdout, /^Deployment 'sleeper' created$/m);
    assert.match(applied.stdout, /^Summary:\n {2}Successful: 1$/m);
    assert.doesNotMatch(applied.stdout, /Failed:/);

    const again = await ring(['apply', '-f', manifest, '-e', envFile, '--dry-run'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /DRY RUN COMPLETE/);

    const running = await waitFor('the deployment to run', async () => {
      const r = await ring(['deployment', 'list', '-n', ns, '-o', 'json'], env);
      assert.equal(r.code, 0, r.stderr);
      const list = JSON.parse(r.stdout) as { id: string; name: string; namespace: string; status: string; instances: unknown[] }[];
      assert.equal(list.length, 1, r.stdout);
      assert.equal(list[0]!.name, 'sleeper');
      return list[0]!.status === 'running' && list[0]!.instances.length === 1 ? list[0] : undefined;
    }, 60_000);

    const table = await ring(['deployment', 'list', '-n', ns], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /\| ID +\| Created at \(UTC\) +\| Updated at \(UTC\) +\| Namespace +\| Name +\| Image +\| Runtime +\| Kind +\| Replicas +\| Status +\|/);
    assert.match(table.stdout, new RegExp(`\\| ${running.id} \\|.*\\| sleeper +\\|.*\\| 1/1 +\\| running +\\|`));

    const inspectJson = await ring(['deployment', 'inspect', running.id, '-o', 'json'], env);
    assert.equal(inspectJson.code, 0, inspectJson.stderr);
    assert.equal((JSON.parse(inspectJson.stdout) as { id: string }).id, running.id);

    const inspect = await ring(['deployment', 'inspect', running.id], env);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /^DEPLOYMENT DETAILS$/m);

    const events = await ring(['deployment', 'events', running.id], env);
    assert.equal(events.code, 0, events.stderr);
    assert.match(events.stdout, /\| Time +\| Level +\| Component +\| Reason +\| Message +\|/);
    assert.match(events.stdout, /deployment_created/);

    const logs = await waitFor('the marker in the logs', async () => {
      const r = await ring(['deployment', 'logs', running.id], env);
      assert.equal(r.code, 0, r.stderr);
      return /^\[[^\]]+\] \S+ ring-cli-marker$/m.test(r.stdout) ? r : undefined;
    });
    assert.equal(logs.stderr, '');

    // -f consumes the SSE stream: the marker arrives (tail), then the command keeps streaming until killed.
    const follower = spawn(process.execPath, [BIN, 'deployment', 'logs', running.id, '-f'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    follower.stdout.on('data', (d: Buffer) => { followed += d.toString(); });
    try {
      await waitFor('the marker in the followed logs', async () => (followed.includes('ring-cli-marker') ? true : undefined), 20_000);
      assert.equal(follower.exitCode, null, 'logs -f exited early');
    } finally {
      follower.kill('SIGINT');
    }

    const missing = await ring(['deployment', 'inspect', '00000000-0000-4000-8000-000000000000'], env);
    assert.equal(missing.code, 4);
    assert.equal(missing.stderr.trim(), "error: deployment '00000000-0000-4000-8000-000000000000' not found");

    const del = await ring(['deployment', 'delete', running.id], env);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout.trim(), `Deployment ${running.id} deleted`);

    await waitFor('the container to go', async () => ((await containersOf(ns)).length === 0 ? true : undefined), 60_000);
  });

  it('apply of an invalid manifest prints the violations and exits 1', async () => {
    const manifest = join(dir, 'invalid.yaml');
    writeFileSync(manifest, [
      'deployments:',
      '  broken:',
      '    name: broken',
      `    namespace: ${ns}`,
      `    image: ${BUSYBOX_IMAGE}`,
      '    ports:',
      '      - published: 70000',
      '        target: 80',
      '    config:',
      '      image_pull_policy: Sometimes',
      '',
    ].join('\n'));
    const r = await ring(['apply', '-f', manifest], env);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^Processing deployment 'broken'$/m);
    assert.match(r.stderr, /^Unable to apply deployment 'broken': (Validation failed \(422\)|.+\(4\d\d\))$/m);
    assert.match(r.stderr, /^ {2}\* config\.image_pull_policy: /m);
    assert.match(r.stdout, /^Summary:\n {2}Successful: 0\n {2}Failed: 1$/m);
  });

  it('RING_TOKEN overrides auth.json', async () => {
    const r = await ring(['user', 'list'], { ...env, RING_TOKEN: 'ring_pat_0000' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: not authorized to list users/);
  });

  it('logout forgets the token; the next command fails with exit 2', async () => {
    const out = await ring(['logout'], env);
    assert.equal(out.code, 0, out.stderr);
    const auth = JSON.parse(readFileSync(join(dir, 'auth.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(auth.default, undefined);
    const r = await ring(['namespace', 'list'], env);
    assert.equal(r.code, 2);
  });

  it('server start stops cleanly on SIGTERM (exit 0)', async () => {
    assert.ok(server && server.exitCode === null, 'the server is not running');
    const exited = new Promise<number | null>((r) => server!.once('exit', (code) => r(code)));
    server!.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<string>((r) => { timer = setTimeout(() => r('still running after 15 s'), 15_000); })]);
    clearTimeout(timer);
    assert.equal(code, 0, serverLog.slice(-2000));
  });
});
