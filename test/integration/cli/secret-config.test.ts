// `ring secret …`, `ring config …` and the configs block of `ring apply`, run as child processes
// against an in-process server, as a user would type them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SecretBox } from '../../../src/domain/secret-box.js';
import { TEST_SECRET_KEY, startTestServer, type TestServer } from '../../helpers/server.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'ring');
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

interface Result { code: number | null; stdout: string; stderr: string }

describe('ring secret / ring config', () => {
  let srv: TestServer;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(join(tmpdir(), 'ring-cli-sec.'));
  const ns = `clis-${randomBytes(4).toString('hex')}`;

  function ring(args: string[], stdin?: string): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
      if (stdin !== undefined) child.stdin!.end(stdin);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** The stored value, opened with the server's key: the one way to see what the CLI sent. */
  function storedValue(name: string): string {
    const db = new Database(srv.dbPath, { readonly: true });
    try {
      const row = db.prepare('SELECT value FROM secret WHERE namespace = ? AND name = ?').get(ns, name) as { value: Buffer };
      return new SecretBox(Buffer.from(TEST_SECRET_KEY, 'base64')).open(row.value, ns, name);
    } finally {
      db.close();
    }
  }

  before(async () => {
    srv = await startTestServer();
    const port = new URL(srv.url).port;
    writeFileSync(join(dir, 'config.toml'), `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${port}\n`);
    env = { PATH: process.env.PATH, HOME: dir, RING_CONFIG_DIR: dir, NO_COLOR: '1', RING_TOKEN: await srv.adminToken() };
    const r = await ring(['namespace', 'create', ns]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await srv?.close();
    rmSync(dir, { recursive: true, force: true });
    // No container is started here, so there should be no namespace network; remove it if there is.
    spawnSync('docker', ['network', 'rm', `ring_${ns}`], { stdio: 'ignore' });
  });

  it('secret create: prints the id; --value, or stdin without it', async () => {
    const r = await ring(['secret', 'create', 'db-pass', '-n', ns, '--value', 'from-flag']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Secret 'db-pass' created in namespace '${ns}' \\(id: ${UUID}\\)\\n$`));
    assert.equal(storedValue('db-pass'), 'from-flag');

    const piped = await ring(['secret', 'create', 'piped', '-n', ns], 'from-stdin\n');
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(storedValue('piped'), 'from-stdin');

    const short = await ring(['secret', 'create', 'short-flag', '-n', ns, '-v', 'v1']);
    assert.equal(short.code, 0, short.stderr);
  });

  it('secret create failures: 409 → exit 5, 422 → exit 1 with each violation, unknown namespace → exit 4', async () => {
    const dup = await ring(['secret', 'create', 'db-pass', '-n', ns, '-v', 'x']);
    assert.equal(dup.code, 5);
    assert.equal(dup.stderr, `Failed to create secret 'db-pass': Conflict (409)\n  secret 'db-pass' already exists in namespace '${ns}'\n`);

    const bad = await ring(['secret', 'create', '-', '-n', ns, '-v', '']);
    assert.equal(bad.code, 1);
    assert.deepEqual(bad.stderr.trim().split('\n'), [
      "Failed to create secret '-': Validation failed (422)",
      '  * name: must be 2 to 253 characters long [secret.name.length]',
      "  * name: must contain only letters, digits, '_', '.' and '-', and start and end with an alphanumeric character [secret.name.format]",
      '  * value: must be 1 to 1048576 bytes (1 MiB), got 0 [secret.value.length]',
    ]);

    const nons = await ring(['secret', 'create', 'x1', '-n', 'no-such-ns', '-v', 'x']);
    assert.equal(nons.code, 4);
    assert.match(nons.stderr, /^Failed to create secret 'x1': Not Found \(404\)\n {2}namespace 'no-such-ns' does not exist\n$/);

    const usage = await ring(['secret', 'create', 'x2', '-v', 'x']);
    assert.equal(usage.code, 2, 'a missing -n is a usage error');
  });

  it('secret list: the table, filtered by namespace, without values', async () => {
    const r = await ring(['secret', 'list', '-n', ns]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[1] ?? '', /^\| Id +\| Name +\| Namespace +\| Created at \(UTC\) +\| Updated at \(UTC\) +\|$/);
    for (const name of ['db-pass', 'piped', 'short-flag']) assert.match(r.stdout, new RegExp(`\\| ${UUID} \\| ${name} +\\| ${ns} \\| \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} \\|`));
    assert.doesNotMatch(r.stdout, /from-flag|from-stdin/);
    const other = await ring(['secret', 'list', '-n', `${ns}-none`]);
    assert.equal(other.code, 0, other.stderr);
    assert.doesNotMatch(other.stdout, /db-pass/);
  });

  it('secret delete: refused with the referencing deployments (exit 5), then -f deletes, then not found (exit 4)', async () => {
    const dep = await srv.request('POST', '/deployments', { token: env.RING_TOKEN, body: {
      namespace: ns, name: 'user', runtime: 'docker', image: 'ring-test/nope:1', config: { image_pull_policy: 'Never' },
      environment: { P: { secretRef: 'db-pass' } },
    } });
    assert.equal(dep.status, 201, dep.text);
    const list = await srv.request('GET', `/secrets?namespace=${ns}`, { token: env.RING_TOKEN });
    const id = list.json.find((s: any) => s.name === 'db-pass').id as string;

    const refused = await ring(['secret', 'delete', id]);
    assert.equal(refused.code, 5);
    assert.equal(refused.stderr, `error: Secret ${id} is referenced by deployments:\n  - ${ns}/user\nUse --force (-f) to delete it anyway\n`);

    const forced = await ring(['secret', 'delete', id, '-f']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, `Secret ${id} deleted\n`);

    const gone = await ring(['secret', 'delete', id]);
    assert.equal(gone.code, 4);
    assert.equal(gone.stderr, `error: secret '${id}' not found\n`);
    assert.equal((await srv.request('DELETE', `/deployments/${dep.json.id}`, { token: env.RING_TOKEN })).status, 204);
  });

  it('apply creates configs, and on re-apply says "already exists" and updates them', async () => {
    writeFileSync(join(dir, 'nginx.conf'), 'worker_processes 1;\n');
    const manifest = (port: number) => [
      'configs:',
      '  app:',
      `    namespace: ${ns}`,
      '    name: app-config',
      `    data: '{"port": "${port}"}'`,
      '    files:',
      '      nginx.conf: nginx.conf',
      '    labels: team=web',
      'deployments: {}',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'ring.yaml'), manifest(80));
    const first = await ring(['apply', '-f', 'ring.yaml']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^Config 'app-config' created in namespace '${ns}'$`, 'm'));
    assert.equal(first.stderr, '');

    writeFileSync(join(dir, 'ring.yaml'), manifest(81));
    const again = await ring(['apply', '-f', 'ring.yaml']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^Config 'app-config' already exists\\nConfig 'app-config' updated in namespace '${ns}'$`, 'm'));

    const list = await ring(['config', 'list', '-n', ns]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout.split('\n')[1] ?? '', /^\| Id +\| Name +\| Created at \(UTC\) +\| Updated at \(UTC\) +\| Namespace +\| Data +\|$/);
    const id = new RegExp(`\\| (${UUID}) \\| app-config +\\|`).exec(list.stdout)?.[1];
    assert.ok(id, list.stdout);

    const inspect = await ring(['config', 'inspect', id]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, new RegExp(`^Id: +${id}$`, 'm'));
    assert.match(inspect.stdout, /^Labels: +team=web$/m);
    assert.match(inspect.stdout, /^Updated at \(UTC\): +\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/m);
    assert.match(inspect.stdout, /^Data:\n {2}\{\n {4}"port": "81",\n {4}"nginx\.conf": "worker_processes 1;\\n"\n {2}\}$/m);

    const dry = await ring(['apply', '-f', 'ring.yaml', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^Config 'app-config' would be created or updated in namespace '.+' \(dry run\)$/m);

    const del = await ring(['config', 'delete', id]);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout, `Config ${id} deleted\n`);
    const missing = await ring(['config', 'inspect', id]);
    assert.equal(missing.code, 4);
    assert.equal(missing.stderr, `error: config '${id}' not found\n`);
    assert.equal((await ring(['config', 'delete', id])).code, 4);
  });

  it('apply reports a config the server refuses and exits non-zero', async () => {
    writeFileSync(join(dir, 'bad.yaml'), ['configs:', '  bad:', `    namespace: ${ns}`, '    name: Bad_Name', "    data: '{}'", 'deployments: {}', ''].join('\n'));
    const r = await ring(['apply', '-f', 'bad.yaml']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^Failed to create config 'Bad_Name': Validation failed \(422\)\n {2}\* name: /m);
    assert.match(r.stdout, /^ {2}Failed: 1$/m);
  });
});
