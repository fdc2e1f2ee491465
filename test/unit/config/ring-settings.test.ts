import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config.js';

test('Ring settings without a use here are warned about, each once; unset → no warning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ring-config-'));
  try {
    assert.deepEqual(loadConfig({ env: { RING_CONFIG_DIR: dir } }).warnings, []);
    writeFileSync(join(dir, 'config.toml'), '[server.dashboard]\nenabled = true\nlisten_address = "127.0.0.1:3031"\n');
    const w = loadConfig({ env: { RING_CONFIG_DIR: dir, RING_DB_POOL_SIZE: '5', RING_DASHBOARD_LISTEN: '0.0.0.0:3031' } }).warnings;
    assert.deepEqual(w, [
      '[server.dashboard] enabled = true has no effect: this build has no dashboard',
      'RING_DB_POOL_SIZE is not used: ring keeps one synchronous SQLite connection (no pool)',
      'RING_DASHBOARD_LISTEN is not used: this build has no web dashboard (use `ring tui`)',
    ]);
    writeFileSync(join(dir, 'config.toml'), '[server.dashboard]\nenabled = false\n');
    assert.deepEqual(loadConfig({ env: { RING_CONFIG_DIR: dir, RING_DB_POOL_SIZE: '' } }).warnings, [], 'disabled or empty: nothing to say');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
