import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config.js';

test('bind_mount_allow: empty by default, from [server.security], overridden by RING_BIND_MOUNT_ALLOW', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ring-config-'));
  try {
    const env = { RING_CONFIG_DIR: dir };
    assert.deepEqual(loadConfig({ env }).security.bindMountAllow, []);
    writeFileSync(join(dir, 'config.toml'), '[server.security]\nbind_mount_allow = ["/srv", "data", "/opt/app/"]\n');
    const fromToml = loadConfig({ env });
    assert.deepEqual(fromToml.security.bindMountAllow, ['/srv', '/opt/app/']);
    assert.ok(fromToml.warnings.some((w) => w.includes('"data" is not an absolute path')), fromToml.warnings.join('\n'));
    assert.deepEqual(loadConfig({ env: { ...env, RING_BIND_MOUNT_ALLOW: ' /mnt/a ,/mnt/b,' } }).security.bindMountAllow, ['/mnt/a', '/mnt/b']);
    assert.deepEqual(loadConfig({ env: { ...env, RING_BIND_MOUNT_ALLOW: '' } }).security.bindMountAllow, [], 'set but empty: none');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
