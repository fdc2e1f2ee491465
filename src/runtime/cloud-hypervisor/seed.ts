// The cloud-init NoCloud seed (CLOUD-HYPERVISOR.md §1.6): env, mounts and the network line, as an
// ISO 9660 image labelled CIDATA (what cloud-init and upstream's t4 look for; Ring's ext4 does not
// pass t4). Rendering is pure; the image is made by xorriso (genisoimage as a fallback).
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SeedShare { tag: string; destination: string; readOnly: boolean }
export interface SeedInput {
  instanceId: string;
  env: Record<string, string>;
  shares: SeedShare[];
  /** The guest's side of the /30 link, when the instance has ports. */
  network?: { guestIp: string; hostIp: string };
}

/** `KEY='v'` with `'` written as `'\''`: what a shell and systemd's EnvironmentFile both read back. */
export function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function needsSeed(input: SeedInput): boolean {
  return Object.keys(input.env).length > 0 || input.shares.length > 0 || input.network !== undefined;
}

export function renderMetaData(input: SeedInput): string {
  return `instance-id: ${input.instanceId}\nlocal-hostname: ${input.instanceId}\n`;
}

export function renderUserData(input: SeedInput): string {
  const keys = Object.keys(input.env).sort();
  const envFile = keys.map((k) => `${k}=${shellQuote(input.env[k]!)}\n`).join('');
  const profile = keys.map((k) => `export ${k}=${shellQuote(input.env[k]!)}\n`).join('');
  const lines = ['#cloud-config'];
  if (keys.length > 0) {
    lines.push('write_files:');
    const file = (path: string, perms: string, content: string) => lines.push(
      `  - path: ${path}`, `    permissions: '${perms}'`, '    encoding: b64', `    content: ${b64(content)}`);
    file('/etc/ring/env', '0600', envFile);
    file('/etc/profile.d/ring-env.sh', '0644', profile);
    file('/etc/systemd/system/service.d/ring-env.conf', '0644', '[Service]\nEnvironmentFile=-/etc/ring/env\n');
  }
  if (input.shares.length > 0) {
    lines.push('mounts:');
    for (const s of input.shares) {
      lines.push(`  - [${JSON.stringify(s.tag)}, ${JSON.stringify(s.destination)}, "virtiofs", "${s.readOnly ? 'ro' : 'defaults'}", "0", "0"]`);
    }
  }
  const runcmd: string[] = [];
  if (keys.length > 0) runcmd.push('systemctl daemon-reload || true');
  if (input.network) {
    const { guestIp, hostIp } = input.network;
    runcmd.push(`for i in enp0s3 ens3 eth0; do if [ -e /sys/class/net/$i ]; then ip addr add ${guestIp}/30 dev $i; ip link set $i up; ip route add default via ${hostIp} dev $i; break; fi; done`);
  }
  for (const s of input.shares) {
    runcmd.push(`mkdir -p ${shellQuote(s.destination)} && (mountpoint -q ${shellQuote(s.destination)} || mount -t virtiofs${s.readOnly ? ' -o ro' : ''} ${s.tag} ${shellQuote(s.destination)})`);
  }
  if (runcmd.length > 0) {
    lines.push('runcmd:');
    for (const c of runcmd) lines.push(`  - ${JSON.stringify(['sh', '-c', c])}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Stages meta-data and user-data in `staging`, writes the ISO to `iso`, and removes the staging dir. */
export async function buildSeedIso(input: SeedInput, staging: string, iso: string): Promise<void> {
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(join(staging, 'meta-data'), renderMetaData(input));
    writeFileSync(join(staging, 'user-data'), renderUserData(input));
    const args = ['-quiet', '-o', iso, '-volid', 'CIDATA', '-joliet', '-rock', staging];
    try {
      await run('xorriso', ['-as', 'mkisofs', ...args]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`xorriso failed: ${stderrOf(err)}`);
      try {
        await run('genisoimage', args);
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('neither xorriso nor genisoimage is installed (apt-get install xorriso)');
        throw new Error(`genisoimage failed: ${stderrOf(e2)}`);
      }
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function stderrOf(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim();
}
