// A user who never logged in (null updated_at/login_at) is listed by the API and the CLI (Ring's t12), and
// every violation the CLI prints carries its code, in Ring's wording. Real server, Docker stubbed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { startDockerStub, type DockerStub } from '../../helpers/docker-stub.js';
import { cliEnv, ringCli } from '../../helpers/processes.js';

describe('users who never logged in; violations with their codes', () => {
  let docker: DockerStub;
  let s: TestServer;
  let token = '';
  const dir = mkdtempSync(join(tmpdir(), 'ring-cli-users.'));
  const ring = (args: string[]) => ringCli(args, cliEnv(dir, { RING_TOKEN: token }));

  before(async () => {
    docker = await startDockerStub();
    s = await startTestServer({ DOCKER_HOST: docker.host });
    token = await s.adminToken();
    writeFileSync(join(dir, 'config.toml'), `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${new URL(s.url).port}\n`);
  });

  after(async () => {
    await s.close();
    await docker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /users keeps null updated_at/login_at, and `ring user list` shows the user with blank cells', async () => {
    const name = `never-${randomBytes(3).toString('hex')}`;
    const created = await ring(['user', 'create', '-u', name, '-p', 'a-long-password']);
    assert.equal(created.code, 0, created.stderr);

    const api = await s.request('GET', '/users', { token });
    assert.equal(api.status, 200);
    assert.match(api.text, /"updated_at":null/);
    assert.match(api.text, /"login_at":null/);
    const row = (api.json as Array<Record<string, unknown>>).find((u) => u.username === name);
    assert.ok(row, api.text);
    assert.equal(row.updated_at, null);
    assert.equal(row.login_at, null);

    const list = await ring(['user', 'list']);
    assert.equal(list.code, 0, list.stderr);
    // ID | Created at | Updated at (blank) | Status | Username | Login at (blank)
    assert.match(list.stdout, new RegExp(`^\\| ${row.id} \\| \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\| +\\| active +\\| ${name} +\\| +\\|$`, 'm'));
    assert.match(list.stdout, /^\| [0-9a-f-]{36} \|.*\| admin +\|/m, 'the seeded admin is listed too');
    const json = await ring(['user', 'list', '-o', 'json']);
    assert.equal((JSON.parse(json.stdout) as Array<Record<string, unknown>>).find((u) => u.username === name)?.login_at, null);
  });

  it('namespace create -: both violations, each with its code (exit 1)', async () => {
    const r = await ring(['namespace', 'create', '-']);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.trim().split('\n'), [
      "Failed to create namespace '-': Validation failed (422)",
      '  * name: must be 2 to 63 characters long [namespace.name.length]',
      "  * name: must contain only lowercase letters, digits and '-', and start and end with an alphanumeric character [namespace.name.format]",
    ]);
  });

  it('user create and token create: Ring\'s wording, with codes', async () => {
    const user = await ring(['user', 'create', '-u', '.x', '-p', 'short']);
    assert.equal(user.code, 1);
    assert.deepEqual(user.stderr.trim().split('\n'), [
      "Failed to create user '.x': Validation failed (422)",
      "  * username: must start with a letter or digit and contain only letters, digits, '.', '-', '_' [user.username.format]",
      '  * password: must be 8 to 128 characters long [user.password.length]',
    ]);
    const tok = await ring(['token', 'create', '-', '-s', 'admin']);
    assert.equal(tok.code, 1);
    assert.deepEqual(tok.stderr.trim().split('\n'), [
      "Failed to create token '-': Validation failed (422)",
      '  * name: must be 2 to 63 characters long [token.name.length]',
      "  * name: must contain only letters, digits, '_', '.' and '-', and start and end with an alphanumeric character [token.name.format]",
    ]);
  });

  it('apply: deployment violations with codes (ports and replicas, env key)', async () => {
    const manifest = join(dir, 'bad.yaml');
    writeFileSync(manifest, [
      'deployments:',
      '  web:',
      '    name: web',
      '    namespace: users-violations',
      '    image: nginx:1',
      '    replicas: 2',
      '    ports:',
      '      - published: 8080',
      '        target: 80',
      '    environment:',
      '      1BAD: x',
      '',
    ].join('\n'));
    const r = await ring(['apply', '-f', manifest]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^ {2}\* ports: publishing host ports with replicas > 1 \(2\) causes port conflicts between replicas — drop `ports` or reduce `replicas` to 1 \[deployment\.ports\.replicas_conflict\]$/m);
    assert.match(r.stderr, /^ {2}\* replicas: replicas > 1 \(2\) is incompatible with `ports` — drop `ports` or reduce `replicas` to 1 \[deployment\.replicas\.ports_conflict\]$/m);
    assert.match(r.stderr, /^ {2}\* environment\.1BAD: '1BAD' is not a valid env var name \(must match \[A-Za-z_\]\[A-Za-z0-9_\]\*\) \[deployment\.environment\.key\.invalid\]$/m);
  });
});
