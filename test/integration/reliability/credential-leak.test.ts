// Passwords and tokens never leak (issue 9, with test/integration/secrets/no-leak.test.ts for
// secret values): a user's password (at creation, at change, in a failed login), the session token
// login hands out and an API token are never in ring.db, its WAL or the server log, in clear or
// base64. Secrets are stored as hashes; the positive controls prove the files and the log were read.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../../helpers/server.js';

let srv: TestServer | undefined;
after(async () => { await srv?.close(); });

test('passwords, session tokens and API tokens are in neither ring.db, its WAL nor the log', async () => {
  srv = await startTestServer();
  const admin = await srv.adminToken();
  const username = `leaky-${randomBytes(4).toString('hex')}`;
  const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
  const NEW_PASSWORD = `pw2-${randomBytes(12).toString('hex')}`;
  const WRONG = `wrong-${randomBytes(12).toString('hex')}`;

  const user = await srv.request('POST', '/users', { token: admin, body: { username, password: PASSWORD } });
  assert.equal(user.status, 201, user.text);
  assert.ok(!user.text.includes(PASSWORD), 'the answer echoes the password');
  // Rejected attempts carry a password too.
  assert.equal((await srv.request('POST', '/login', { body: { username, password: WRONG } })).status, 401);
  assert.equal((await srv.request('POST', '/users', { token: admin, body: { username, password: 'short' } })).status, 422);
  const login = await srv.request('POST', '/login', { body: { username, password: PASSWORD } });
  assert.equal(login.status, 200, login.text);
  const session = login.json.token as string;
  assert.equal((await srv.request('PUT', `/users/${user.json.id}`, { token: session, body: { password: NEW_PASSWORD } })).status, 200);
  const login2 = await srv.request('POST', '/login', { body: { username, password: NEW_PASSWORD } });
  assert.equal(login2.status, 200);
  const pat = await srv.request('POST', '/tokens', { token: admin, body: { name: 'ci-token', scopes: ['deployments:read'] } });
  assert.equal(pat.status, 201, pat.text);
  const apiToken = pat.json.token as string;
  assert.match(apiToken, /^ring_pat_/);
  // The token works (so it is the real one being looked for), and is presented in a header the log sees.
  assert.equal((await srv.request('GET', '/deployments', { token: apiToken })).status, 200);

  const secrets = [PASSWORD, NEW_PASSWORD, WRONG, session, login2.json.token as string, apiToken];
  const needles = secrets.flatMap((s) => [s, Buffer.from(s).toString('base64')]);
  const files = [srv.dbPath, `${srv.dbPath}-wal`, `${srv.dbPath}-journal`].filter((f) => existsSync(f));
  assert.ok(files.includes(`${srv.dbPath}-wal`), 'no WAL file: the database is not in WAL mode');
  let control = 0;
  for (const f of files) {
    const bytes = readFileSync(f);
    for (const n of needles) assert.equal(bytes.includes(Buffer.from(n)), false, `${f} contains a password or token`);
    if (bytes.includes(Buffer.from(username))) control++;
  }
  assert.ok(control > 0, 'positive control: the username is in none of the database files');
  const logs = srv.logs();
  assert.ok(logs.includes('/login') && logs.includes('/tokens'), 'positive control: the log records the requests');
  for (const n of needles) assert.ok(!logs.includes(n), 'the server log contains a password or token');
});
