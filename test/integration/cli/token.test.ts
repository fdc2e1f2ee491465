// `ring token …` as a user runs it: bin/ring child processes against a real in-process server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliEnv, ringCli } from '../../helpers/processes.js';


describe('ring token', () => {
  let s: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'ring-cli-token.'));
  let adminToken = '';

  const ring = (args: string[], token = adminToken) => ringCli(args, cliEnv(dir, { RING_TOKEN: token }));
  const status = async (token: string) => (await s.request('GET', '/users/me', { token })).status;

  before(async () => {
    s = await startTestServer();
    adminToken = await s.adminToken();
    writeFileSync(join(dir, 'config.toml'), `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${new URL(s.url).port}\n`);
  });

  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('create prints the token alone on stdout and the summary on stderr', async () => {
    const r = await ring(['token', 'create', 'ci', '-s', 'deployments:read', '-s', 'users:read', '-n', 'prod', '-e', '12h']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ring_pat_[0-9a-f]{64}\n$/);
    const token = r.stdout.trim();
    assert.match(r.stderr, /^Token 'ci' created \(id: [0-9a-f-]{36}\)$/m);
    assert.match(r.stderr, /^ {2}scopes: deployments:read, users:read$/m);
    assert.match(r.stderr, /^ {2}namespaces: prod$/m);
    assert.match(r.stderr, /^ {2}expires: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m);
    assert.equal(await status(token), 200);
    const id = /\(id: ([0-9a-f-]{36})\)/.exec(r.stderr)![1];
    const shown = (await s.request('GET', `/tokens/${id}`, { token: adminToken })).json;
    const hours = (Date.parse(shown.expire_at) - Date.now()) / 3_600_000;
    assert.ok(hours > 11.9 && hours <= 12, `expires in ${hours} h`);
    assert.deepEqual(shown.namespaces, ['prod']);
  });

  it('create refuses bad input: no scope or a bad lifetime (usage, exit 2), unknown scope (422, exit 1)', async () => {
    const none = await ring(['token', 'create', 'ci']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /at least one --scope/);
    const badLife = await ring(['token', 'create', 'ci', '-s', 'admin', '-e', 'forever']);
    assert.equal(badLife.code, 2);
    assert.match(badLife.stderr, /30d/);
    const unknown = await ring(['token', 'create', 'ci', '-s', 'root']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /^Failed to create token 'ci': Validation failed \(422\)\n {2}\* scopes\[0\]: unknown scope 'root'/);
  });

  it('list shows every token with its status', async () => {
    const active = (await ring(['token', 'create', 'listed-active', '-s', 'admin'])).stdout.trim();
    const expired = await s.request('POST', '/tokens', { token: adminToken, body: { name: 'listed-expired', scopes: ['admin'], expire_at: '2001-01-01T00:00:00Z' } });
    const r = await ring(['token', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\| Id +\| Name +\| Prefix +\| Scopes +\| Namespaces +\| Status +\| Created \(UTC\) +\| Last used \(UTC\) +\| Expires \(UTC\) +\|/);
    assert.match(r.stdout, new RegExp(`\\| listed-active +\\| ${active.slice(0, 15)} +\\| admin +\\| all +\\| active +\\|.*\\| never +\\|`));
    assert.match(r.stdout, new RegExp(`\\| ${expired.json.id} \\| listed-expired +\\|.*\\| expired +\\|.*\\| 2001-01-01 00:00:00 +\\|`));
    assert.ok(!r.stdout.includes(active), 'the secret is never listed');
  });

  it('revoke needs --yes off a terminal, then the token stops working', async () => {
    const created = await ring(['token', 'create', 'doomed', '-s', 'users:read']);
    const token = created.stdout.trim();
    const id = /\(id: ([0-9a-f-]{36})\)/.exec(created.stderr)![1];
    const refused = await ring(['token', 'revoke', id]);
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr.trim(), `error: refusing to revoke token '${id}' without confirmation: pass --yes`);
    assert.equal(await status(token), 200, 'not revoked without confirmation');
    const ok = await ring(['token', 'revoke', id, '--yes']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), `Token ${id} revoked`);
    assert.equal(await status(token), 401);
    assert.match((await ring(['token', 'list'])).stdout, new RegExp(`\\| ${id} \\| doomed +\\|.*\\| revoked +\\|`));
    const missing = await ring(['token', 'revoke', '00000000-0000-4000-8000-000000000000', '-y']);
    assert.equal(missing.code, 4);
    assert.equal(missing.stderr.trim(), "error: token '00000000-0000-4000-8000-000000000000' not found");
  });

  it('rotate prints the replacement alone on stdout; the old token stops working', async () => {
    const created = await ring(['token', 'create', 'rotating', '-s', 'users:read']);
    const old = created.stdout.trim();
    const id = /\(id: ([0-9a-f-]{36})\)/.exec(created.stderr)![1];
    const r = await ring(['token', 'rotate', id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ring_pat_[0-9a-f]{64}\n$/);
    assert.match(r.stderr, new RegExp(`^Token 'rotating' rotated: ${id} revoked, replaced by [0-9a-f-]{36}$`, 'm'));
    assert.equal(await status(old), 401);
    assert.equal(await status(r.stdout.trim()), 200);
    const again = await ring(['token', 'rotate', id]);
    assert.equal(again.code, 5);
    assert.match(again.stderr, /^Failed to rotate token '.+': Conflict \(409\)\n {2}token '.+' is revoked/);
  });

  it('a token without the admin scope cannot manage tokens (exit 2)', async () => {
    const narrow = (await ring(['token', 'create', 'narrow', '-s', 'deployments:read'])).stdout.trim();
    const r = await ring(['token', 'list'], narrow);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), 'error: not authorized to list tokens');
    const c = await ring(['token', 'create', 'x', '-s', 'admin'], narrow);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /^Failed to create token 'x': Forbidden \(403\)\n {2}token lacks required scope 'admin'/);
  });
});
