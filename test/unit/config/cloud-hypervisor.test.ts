// B1 (config): [server.runtime.cloud_hypervisor] with exactly Ring's key names plus ours, their
// defaults, and a wrong value reported (never silently used).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../src/config.js';

function withConfig(toml: string, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ring-cfg-'));
  try {
    writeFileSync(join(dir, 'config.toml'), toml);
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('[server.runtime.cloud_hypervisor]', () => {
  test('defaults: off, binary on PATH, firmware and sockets under the config dir, 10 MiB × 3, 10.42/16, NAT on, 60 s', () => {
    withConfig('', (dir) => {
      const c = loadConfig({ env: { RING_CONFIG_DIR: dir } }).cloudHypervisor;
      assert.deepEqual(c, {
        enabled: false, binaryPath: 'cloud-hypervisor', firmwarePath: join(dir, 'cloud-hypervisor', 'vmlinux'),
        socketDir: join(dir, 'cloud-hypervisor', 'sockets'), seccomp: null, maxConsoleLogBytes: 10 * 1024 * 1024,
        maxConsoleLogBackups: 3, guestSubnet: '10.42.0.0/16', manageNat: true, virtiofsdPath: null, consoleLogRotateIntervalMs: 60_000,
      });
    });
  });

  test('every key read, $RING_CONFIG_DIR expanded', () => {
    withConfig([
      '[server.runtime.cloud_hypervisor]', 'enabled = true', 'binary_path = "/opt/ch/cloud-hypervisor"', 'firmware_path = "$RING_CONFIG_DIR/fw"',
      'socket_dir = "/run/ring-ch"', 'seccomp = "log"', 'max_console_log_bytes = 4096', 'max_console_log_backups = 2',
      'guest_subnet = "127.42.0.0/16"', 'manage_nat = false', 'virtiofsd_path = "/usr/lib/qemu/virtiofsd"', 'console_log_rotate_interval = "1s"',
    ].join('\n'), (dir) => {
      const cfg = loadConfig({ env: { RING_CONFIG_DIR: dir } });
      assert.deepEqual(cfg.cloudHypervisor, {
        enabled: true, binaryPath: '/opt/ch/cloud-hypervisor', firmwarePath: join(dir, 'fw'), socketDir: '/run/ring-ch', seccomp: 'log',
        maxConsoleLogBytes: 4096, maxConsoleLogBackups: 2, guestSubnet: '127.42.0.0/16', manageNat: false,
        virtiofsdPath: '/usr/lib/qemu/virtiofsd', consoleLogRotateIntervalMs: 1000,
      });
      assert.deepEqual(cfg.warnings, []);
    });
  });

  test('wrong values are reported and fall back to the default', () => {
    withConfig(['[server.runtime.cloud_hypervisor]', 'enabled = "yes"', 'seccomp = "maybe"', 'guest_subnet = "10.42.0.0/24"',
      'max_console_log_bytes = -1', 'console_log_rotate_interval = "soon"'].join('\n'), (dir) => {
      const cfg = loadConfig({ env: { RING_CONFIG_DIR: dir } });
      assert.equal(cfg.cloudHypervisor.enabled, false);
      assert.equal(cfg.cloudHypervisor.seccomp, null);
      assert.equal(cfg.cloudHypervisor.guestSubnet, '10.42.0.0/16');
      assert.equal(cfg.cloudHypervisor.maxConsoleLogBytes, 10 * 1024 * 1024);
      assert.equal(cfg.warnings.length, 5, cfg.warnings.join('\n'));
      assert.ok(cfg.warnings.every((w) => w.startsWith('[server.runtime.cloud_hypervisor] ')));
    });
  });
});
