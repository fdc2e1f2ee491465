// [server.runtime.*]: Docker is on when the file enables no other runtime (ours without a file, Ring's
// `ring init --runtime podman` file means "not Docker"); runtimes this server does not implement are listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config.js';

test('docker.enabled and unimplementedRuntimes from the runtime tables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ring-config-'));
  try {
    const rows: Array<[string, string | null, boolean, string[]]> = [
      ['no file', null, true, []],
      ['no runtime table', '[server.scheduler]\ninterval = 1\n', true, []],
      ['docker on', '[server.runtime.docker]\nenabled = true\n', true, []],
      ['docker off', '[server.runtime.docker]\nenabled = false\n', false, []],
      ['docker table without enabled', '[server.runtime.docker]\nhost = "unix:///x.sock"\n', true, []],
      ['podman only (ring init --runtime podman)', '[server.runtime.podman]\nenabled = true\n', false, ['podman']],
      ['cloud_hypervisor only', '[server.runtime.cloud_hypervisor]\nenabled = true\n', false, []],
      ['another runtime present but disabled', '[server.runtime.podman]\nenabled = false\n', true, []],
      ['docker and firecracker', '[server.runtime.docker]\nenabled = true\n[server.runtime.firecracker]\nenabled = true\n', true, ['firecracker']],
      ['containerd and podman', '[server.runtime.containerd]\nenabled = true\n[server.runtime.podman]\nenabled = true\n', false, ['podman', 'containerd']],
    ];
    for (const [name, toml, docker, unimplemented] of rows) {
      rmSync(join(dir, 'config.toml'), { force: true });
      if (toml !== null) writeFileSync(join(dir, 'config.toml'), toml);
      const c = loadConfig({ env: { RING_CONFIG_DIR: dir } });
      assert.equal(c.docker.enabled, docker, name);
      assert.deepEqual(c.unimplementedRuntimes, unimplemented, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('[server.dashboard] enabled = true is reported, not silently accepted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ring-config-'));
  try {
    writeFileSync(join(dir, 'config.toml'), '[server.dashboard]\nenabled = true\n');
    assert.ok(loadConfig({ env: { RING_CONFIG_DIR: dir } }).warnings.includes('[server.dashboard] enabled = true has no effect: this build has no dashboard'));
    writeFileSync(join(dir, 'config.toml'), '[server.dashboard]\nenabled = false\n');
    assert.deepEqual(loadConfig({ env: { RING_CONFIG_DIR: dir } }).warnings, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
