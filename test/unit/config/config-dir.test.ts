// Which config directory is used: RING_CONFIG_DIR, else ours, else (ours missing) a Ring user's existing one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseConfigDir, configDir, ringConfigDirNotice } from '../../../src/config.js';

test('chooseConfigDir: env > ours > Ring\'s (only when ours does not exist) > ours', () => {
  const home = mkdtempSync(join(tmpdir(), 'ring-home-'));
  try {
    const ours = join(home, '.config', 'ring');
    const ring = join(home, '.config', 'kemeter', 'ring');
    const env = { HOME: home };
    const rows: Array<[string, () => void, NodeJS.ProcessEnv, { dir: string; from: string }]> = [
      ['nothing exists: ours', () => {}, env, { dir: ours, from: 'ours' }],
      ["only Ring's exists: Ring's", () => mkdirSync(ring, { recursive: true }), env, { dir: ring, from: 'ring' }],
      ['RING_CONFIG_DIR wins over both', () => {}, { ...env, RING_CONFIG_DIR: '/etc/ring' }, { dir: '/etc/ring', from: 'env' }],
      ['both exist: ours', () => mkdirSync(ours, { recursive: true }), env, { dir: ours, from: 'ours' }],
    ];
    for (const [name, setup, e, want] of rows) {
      setup();
      const got = chooseConfigDir(e);
      assert.deepEqual({ dir: got.dir, from: got.from }, want, name);
      assert.equal(configDir(e), want.dir, name);
      assert.equal(ringConfigDirNotice(e) !== undefined, want.from === 'ring', name);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("ringConfigDirNotice names both directories", () => {
  const home = mkdtempSync(join(tmpdir(), 'ring-home-'));
  try {
    mkdirSync(join(home, '.config', 'kemeter', 'ring'), { recursive: true });
    assert.equal(ringConfigDirNotice({ HOME: home }),
      `using Ring's config directory ${join(home, '.config', 'kemeter', 'ring')} (config.toml, auth.json, secret-key): ${join(home, '.config', 'ring')} does not exist`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
