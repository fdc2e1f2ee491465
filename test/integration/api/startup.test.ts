import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startServer, StartupError } from '../../../src/server/start.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { openDatabase, migrate } from '../../../src/store/index.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { startTestServer } from '../../helpers/server.js';

async function refusal(key: string | undefined): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ring-k-'));
  const env = { RING_CONFIG_DIR: dir, RING_DATABASE_PATH: join(dir, 'ring.db'), ...(key === undefined ? {} : { RING_SECRET_KEY: key }) };
  try {
    await startServer({ env, config: loadConfig({ env }), log: createLogger('silent') });
    assert.fail('the server started');
  } catch (e) {
    assert.ok(e instanceof StartupError, String(e));
    return e.message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('start-up', () => {
  test('refuses to start without RING_SECRET_KEY', async () => {
    assert.match(await refusal(undefined), /RING_SECRET_KEY environment variable is not set/);
  });
  test('refuses a key that is not base64', async () => {
    assert.match(await refusal('not base64 !!'), /not valid base64/);
  });
  test('refuses a key of the wrong size', async () => {
    assert.match(await refusal(Buffer.alloc(16).toString('base64')), /exactly 32 bytes .* got 16/);
  });

  test('migrations apply once and are idempotent across restarts, keeping the data', async () => {
    const s = await startTestServer();
    const token = await s.adminToken();
    assert.equal((await s.request('POST', '/namespaces', { token, body: { name: 'persisted' } })).status, 201);
    await s.stop();
    const db = openDatabase(s.dbPath);
    assert.deepEqual(migrate(db), [], 'nothing left to apply');
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.at(-1)!.version);
    db.close();
    const again = await startTestServer({}, s.dir);
    const t2 = await again.adminToken();
    const names = (await again.request('GET', '/namespaces', { token: t2 })).json.map((n: { name: string }) => n.name);
    assert.ok(names.includes('persisted'));
    const raw = new Database(again.dbPath, { readonly: true });
    assert.equal((raw.prepare("SELECT COUNT(*) AS n FROM user WHERE username = 'admin'").get() as { n: number }).n, 1, 'admin seeded once');
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    raw.close();
    await again.close();
  });
});
