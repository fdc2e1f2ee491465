// `ring doctor` with [server.runtime.cloud_hypervisor] enabled (Docker off, so no Docker is touched):
// on a host without the CH binary, KVM or firmware every missing thing is a [-] line that says what
// to do; with the simulator as the binary and a firmware file those lines turn [+].
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cliEnv, ringCli } from '../../helpers/processes.js';
import { SIMULATOR } from './support.js';

/** The Cloud Hypervisor group's lines, `[+]`/`[-]` name: detail. */
function chGroup(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'Cloud Hypervisor');
  assert.ok(start >= 0, stdout);
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!/^ {2}\[[+-]\]/.test(l)) break;
    out.push(l.trim());
  }
  return out;
}

describe('ring doctor: the Cloud Hypervisor group', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rchd-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (ch: string[]) => writeFileSync(join(dir, 'config.toml'),
    ['[server.runtime.docker]', 'enabled = false', '', '[server.runtime.cloud_hypervisor]', 'enabled = true', ...ch, ''].join('\n'));
  const env = (extra: Record<string, string> = {}) => cliEnv(dir, { HOME: dir, RING_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'), ...extra });

  test('nothing installed: the binary, KVM and the firmware each get a line saying how to fix it; exit 1', async () => {
    config([]); // defaults: `cloud-hypervisor` on PATH, firmware under the config dir
    const r = await ringCli(['doctor'], env({ PATH: '/usr/bin:/bin', RING_KVM_DEVICE: join(dir, 'no-kvm') }));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const g = chGroup(r.stdout);
    const line = (name: string) => g.find((l) => l.startsWith(`[-] ${name}:`)) ?? assert.fail(`no [-] ${name} line in:\n${g.join('\n')}`);
    assert.match(line('cloud-hypervisor'), /'cloud-hypervisor' not found in PATH — install a release binary \(https:\/\/github\.com\/cloud-hypervisor\/cloud-hypervisor\/releases\) or set \[server\.runtime\.cloud_hypervisor\] binary_path/);
    assert.match(line('KVM'), /no-kvm not found — VMs need hardware virtualisation: enable VT-x\/AMD-V .*sudo modprobe kvm_intel/);
    assert.match(line('Firmware'), new RegExp(`${join(dir, 'cloud-hypervisor', 'vmlinux').replace(/[/.]/g, '\\$&')} not found — download hypervisor-fw from https://github\\.com/cloud-hypervisor/rust-hypervisor-firmware/releases .* or set \\[server\\.runtime\\.cloud_hypervisor\\] firmware_path`));
    // Every failing line says what to do, not only what is wrong.
    for (const l of g.filter((x) => x.startsWith('[-]'))) assert.match(l, / — .*(install|set |download|enable|add |run:)/, l);
    assert.match(r.stderr, /checks? failed/);
  });

  test('the simulator as binary_path and a firmware file: those lines pass; an empty firmware is called out', async () => {
    const fw = join(dir, 'vmlinux');
    writeFileSync(fw, 'hypervisor-fw (simulated)\n');
    config([`binary_path = "${SIMULATOR}"`, `firmware_path = "${fw}"`, `socket_dir = "${join(dir, 's')}"`]);
    const r = await ringCli(['doctor'], env());
    const g = chGroup(r.stdout);
    assert.ok(g.includes('[+] cloud-hypervisor: cloud-hypervisor v53.0-sim'), g.join('\n'));
    assert.ok(g.includes(`[+] Firmware: ${fw}`), g.join('\n'));
    assert.ok(g.includes(`[+] socket_dir: ${join(dir, 's')}`), g.join('\n'));
    assert.ok(g.some((l) => /^\[\+\] (xorriso|socat):/.test(l)));
    if (existsSync('/usr/sbin/getcap') || existsSync('/sbin/getcap')) {
      // The simulator carries no file capabilities: the advice is the exact setcap line.
      assert.ok(g.includes(`[-] Capabilities: ${SIMULATOR} lacks cap_net_admin,cap_net_raw — run: sudo setcap cap_net_admin,cap_net_raw+ep ${SIMULATOR}`), g.join('\n'));
    }
    writeFileSync(fw, '');
    const empty = chGroup((await ringCli(['doctor'], env())).stdout);
    assert.ok(empty.some((l) => l.startsWith(`[-] Firmware: ${fw} is empty (every boot would fail) — download hypervisor-fw`)), empty.join('\n'));
  });
});
