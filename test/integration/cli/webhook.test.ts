// `ring webhook …` as a user runs it: bin/ring child processes against a real in-process server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, createStore } from '../../../src/store/index.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { BIN, ROOT, cliEnv, ringCli } from '../../helpers/processes.js';
import { Receiver, eventually } from '../webhooks/receiver.js';


describe('ring webhook', () => {
  let s: TestServer;
  let receiver: Receiver;
  const dir = mkdtempSync(join(tmpdir(), 'ring-cli-webhook.'));
  let adminToken = '';

  const ring = (args: string[], token = adminToken) => ringCli(args, cliEnv(dir, { RING_TOKEN: token }));

  before(async () => {
    s = await startTestServer({ RING_WEBHOOK_ALLOW_LOOPBACK: 'true' });
    adminToken = await s.adminToken();
    receiver = await Receiver.start();
    writeFileSync(join(dir, 'config.toml'), `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${new URL(s.url).port}\n`);
  });

  after(async () => {
    await s.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let id = '';

  it('create prints the id alone on stdout and the secret once on stderr', async () => {
    const r = await ring(['webhook', 'create', receiver.url(), '-e', 'deployment.scaled', '-e', 'deployment.error']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f-]{36}\n$/);
    id = r.stdout.trim();
    assert.equal(r.stderr, [
      `Webhook registered for ${receiver.url()}`,
      '  events: deployment.scaled, deployment.error',
      `  secret: ${/secret: (whsec_[0-9a-f]{64})/.exec(r.stderr)?.[1]} (copy it now — not shown again)`,
      '',
    ].join('\n'));
    const own = await ring(['webhook', 'create', 'https://hooks.example.com/x', '-s', 'mine']);
    assert.match(own.stderr, /events: all\n {2}secret: mine \(copy/);
  });

  it('create reports every violation with the context line, exit 1', async () => {
    const r = await ring(['webhook', 'create', 'http://169.254.169.254/x', '-e', 'deployment*']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, [
      "Failed to create webhook for 'http://169.254.169.254/x': Validation failed (422)",
      '  * url: URL must not target an internal address (169.254.169.254: link-local address) [webhook.url.format]',
      "  * events[0]: invalid wildcard 'deployment*' — use '*' for all kinds or '<family>.*' (e.g. 'deployment.*') [webhook.events.unknown]",
      '',
    ].join('\n'));
  });

  it('list shows subscribers newest first with their status', async () => {
    const r = await ring(['webhook', 'list']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('| ') && !l.includes('Created (UTC)'));
    assert.match(r.stdout, /\| Id +\| URL +\| Events +\| Status +\| Created \(UTC\) +\|/);
    assert.equal(rows.length, 2);
    assert.match(rows[1]!, new RegExp(`^\\| ${id} \\| ${receiver.url().replace(/[.]/g, '\\.')} +\\| deployment\\.scaled,deployment\\.error \\| active +\\| \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\|$`));
  });

  it('inspect shows the subscriber and its deliveries; -f prints new ones as they come', async () => {
    const store = createStore(openDatabase(s.dbPath));
    try {
      store.changes.record({ id: 'dep-1', namespace: 'ns', name: 'web', kind: 'worker' }, [{ kind: 'scaled', direction: 'up', from: 0, to: 1, replicas: 1 }]);
    } finally {
      store.db.close();
    }
    await receiver.waitFor(1, 30_000); // another process published: the server's poll (1 s here) picked it up
    await eventually(async () => (await s.request('GET', `/webhooks/${id}/events`, { token: adminToken })).json[0]?.status === 'delivered', 5000, 'delivered');
    const r = await ring(['webhook', 'inspect', id]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Id: +${id}$`, 'm'));
    assert.match(r.stdout, /^Events: +deployment\.scaled, deployment\.error$/m);
    assert.match(r.stdout, /^Status: +active$/m);
    assert.match(r.stdout, /\| Id +\| Kind +\| Status +\| Attempts +\| Updated \(UTC\) +\| Last error +\|/);
    assert.match(r.stdout, /\| deployment\.scaled \| delivered \| 1 +\|/);

    // -f: a delivery made after the first table appears as a new line.
    const follow = spawn(process.execPath, [BIN, 'webhook', 'inspect', id, '-f'],
      { cwd: ROOT, env: cliEnv(dir, { RING_TOKEN: adminToken }), stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    follow.stdout.on('data', (d: Buffer) => { followed += d.toString(); });
    try {
      await eventually(() => followed.includes('Last error'), 5000, 'the first table');
      const again = createStore(openDatabase(s.dbPath));
      try {
        again.changes.record({ id: 'dep-1', namespace: 'ns', name: 'web', kind: 'worker' }, [{ kind: 'scaled', direction: 'down', from: 1, to: 0, replicas: 0 }]);
      } finally {
        again.db.close();
      }
      const line = await eventually(() => followed.split('\n').find((l) => /^[0-9a-f-]{36} {2}deployment\.scaled {2}delivered {2}1 {2}/.test(l)), 10_000, 'a followed line');
      assert.ok(!r.stdout.includes(line.slice(0, 36)), 'a delivery the first table did not have');
    } finally {
      follow.kill('SIGINT');
    }

    const missing = await ring(['webhook', 'inspect', '00000000-0000-0000-0000-000000000000']);
    assert.equal(missing.code, 4);
    assert.equal(missing.stderr, "error: webhook '00000000-0000-0000-0000-000000000000' not found\n");
  });

  it('delete revokes; list then says revoked; an unknown id exits 4', async () => {
    const r = await ring(['webhook', 'delete', id]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Webhook '${id}' deleted\n`);
    assert.match((await ring(['webhook', 'list'])).stdout, new RegExp(`${id} .*\\| revoked `));
    const missing = await ring(['webhook', 'delete', 'nope']);
    assert.equal(missing.code, 4);
    assert.equal(missing.stderr, "error: webhook 'nope' not found\n");
  });

  it('needs the webhooks scopes', async () => {
    const t = await s.request('POST', '/tokens', { token: adminToken, body: { name: 'reader', scopes: ['deployments:read'] } });
    const r = await ring(['webhook', 'list'], t.json.token);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'error: not authorized to list webhooks\n');
  });
});
