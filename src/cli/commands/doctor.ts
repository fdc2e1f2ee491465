// `ring doctor`: pre-flight checks of what `ring server start` needs on this host.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { delimiter, join } from 'node:path';
import { Command } from 'commander';
import { parse as parseToml } from 'smol-toml';
import { configDir, configFilePath, loadConfig } from '../../config.js';
import { socketDirProblem } from '../../runtime/cloud-hypervisor/paths.js';
import { parseSecretKey } from '../../domain/secret-key.js';
import { CliError, EXIT } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { out, paint } from '../output.js';
import type { GlobalOptions } from '../../client/session.js';

interface Check { name: string; ok: boolean; detail: string }

function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ ok: !error, stdout: String(stdout ?? '').trim(), stderr: String(stderr ?? '').trim() || (error?.message ?? '') });
    });
  });
}

function which(bin: string): string | undefined {
  if (bin.includes('/')) return existsSync(bin) ? bin : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* not here */ }
  }
  return undefined;
}

/** The secret key the server would use: RING_SECRET_KEY, else `<configDir>/secret-key`. */
export function secretKeySource(env: NodeJS.ProcessEnv = process.env): { value?: string; from: string } {
  if (env.RING_SECRET_KEY && env.RING_SECRET_KEY.trim() !== '') return { value: env.RING_SECRET_KEY, from: 'environment' };
  const file = join(configDir(env), 'secret-key');
  if (existsSync(file)) {
    try {
      return { value: readFileSync(file, 'utf8').trim(), from: file };
    } catch {
      return { from: file };
    }
  }
  return { from: 'nowhere' };
}

function checkSecretKey(): Check {
  const src = secretKeySource();
  const parsed = parseSecretKey(src.value);
  // Ring's wording (`[+] RING_SECRET_KEY: set`); a key read from the file says which file.
  if (parsed.ok) return { name: 'RING_SECRET_KEY', ok: true, detail: src.from === 'environment' ? 'set' : `set (${src.from})` };
  const where = src.from === 'nowhere' ? ' (or run `ring init` to write a secret-key file)' : src.from === 'environment' ? '' : ` (read from ${src.from})`;
  return { name: 'RING_SECRET_KEY', ok: false, detail: `${parsed.reason}${where}` };
}

/** GET <path> on the Docker engine API at `host` (unix:// or tcp://). */
function dockerGet(host: string, path: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let target: { socketPath?: string; host?: string; port?: number };
    if (host.startsWith('unix://')) target = { socketPath: host.slice('unix://'.length) };
    else if (host.startsWith('/')) target = { socketPath: host };
    else {
      const u = new URL(host.replace(/^tcp:\/\//, 'http://'));
      target = { host: u.hostname, port: Number(u.port || 2375) };
    }
    const req = request({ ...target, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function checkDocker(host: string): Promise<Check[]> {
  const checks: Check[] = [];
  const cli = which('docker') ? await run('docker', ['--version']) : undefined;
  if (cli?.ok) checks.push({ name: 'docker CLI', ok: true, detail: cli.stdout.split('\n')[0]! });
  try {
    const ping = await dockerGet(host, '/_ping');
    if (ping.status !== 200) throw new Error(`GET /_ping answered ${ping.status}`);
    let version = '';
    try {
      const v = JSON.parse((await dockerGet(host, '/version')).body) as { Version?: string; ApiVersion?: string };
      if (v.Version) version = ` (Docker ${v.Version}, API ${v.ApiVersion ?? '?'})`;
    } catch { /* version is a nicety */ }
    checks.push({ name: 'Docker daemon', ok: true, detail: `reachable at ${host}${version}` });
  } catch (e) {
    // The socket did not answer: `docker info` may still reach an engine through a Docker context.
    const info = cli?.ok ? await run('docker', ['info', '--format', '{{.ServerVersion}}'], 20_000) : undefined;
    if (info?.ok && info.stdout) {
      checks.push({ name: 'Docker daemon', ok: true, detail: `reachable through \`docker info\` (Docker ${info.stdout}); ${host} did not answer` });
    } else {
      checks.push({ name: 'Docker daemon', ok: false, detail: `cannot reach ${host} (${(e as Error).message}) — start Docker (e.g. \`sudo systemctl start docker\`) or set [server.runtime.docker] host` });
    }
  }
  return checks;
}

interface ChSettings { binary: string; firmware: string; socketDir?: string; virtiofsd?: string | null }

async function checkCloudHypervisor(s: ChSettings): Promise<Check[]> {
  const checks: Check[] = [];
  const bin = which(s.binary);
  if (!bin) {
    checks.push({ name: 'cloud-hypervisor', ok: false, detail: `'${s.binary}' not found${s.binary.includes('/') ? '' : ' in PATH'} — install a release binary (https://github.com/cloud-hypervisor/cloud-hypervisor/releases) or set [server.runtime.cloud_hypervisor] binary_path` });
  } else {
    const v = await run(bin, ['--version']);
    checks.push({ name: 'cloud-hypervisor', ok: v.ok, detail: v.ok ? v.stdout.split('\n')[0]! : `${bin} --version failed: ${v.stderr}` });
    const getcap = which('getcap');
    if (!getcap) {
      checks.push({ name: 'Capabilities', ok: false, detail: 'getcap not found (install libcap2-bin) — cannot check cap_net_admin,cap_net_raw' });
    } else {
      const caps = await run(getcap, [bin]);
      const ok = /cap_net_admin/.test(caps.stdout) && /cap_net_raw/.test(caps.stdout);
      checks.push({ name: 'Capabilities', ok, detail: ok ? caps.stdout : `${bin} lacks cap_net_admin,cap_net_raw — run: sudo setcap cap_net_admin,cap_net_raw+ep ${bin}` });
    }
  }
  // RING_KVM_DEVICE: another device path (a test points it at a missing one to see the advice).
  const kvm = process.env.RING_KVM_DEVICE || '/dev/kvm';
  try {
    accessSync(kvm, constants.R_OK | constants.W_OK);
    checks.push({ name: 'KVM', ok: true, detail: `${kvm} is readable and writable` });
  } catch {
    checks.push({ name: 'KVM', ok: false, detail: existsSync(kvm)
      ? `${kvm} is not read/writable by this user — add the user to the kvm group (sudo usermod -aG kvm $USER) and log in again`
      : `${kvm} not found — VMs need hardware virtualisation: enable VT-x/AMD-V (or nested virtualisation on a cloud VM) and load the module (sudo modprobe kvm_intel or kvm_amd)` });
  }
  for (const tool of ['xorriso', 'socat']) {
    const p = which(tool);
    checks.push({ name: tool, ok: Boolean(p), detail: p ?? `not found in PATH — install it (Debian/Ubuntu: sudo apt-get install ${tool}); ${tool === 'xorriso' ? 'it builds the cloud-init seed' : 'it publishes ports'}` });
  }
  const fwSize = existsSync(s.firmware) ? statSync(s.firmware).size : -1;
  const getFw = `download hypervisor-fw from https://github.com/cloud-hypervisor/rust-hypervisor-firmware/releases to ${s.firmware}, or set [server.runtime.cloud_hypervisor] firmware_path`;
  checks.push({ name: 'Firmware', ok: fwSize > 0, detail: fwSize > 0 ? s.firmware : fwSize === 0 ? `${s.firmware} is empty (every boot would fail) — ${getFw}` : `${s.firmware} not found — ${getFw}` });
  const virtiofsd = [s.virtiofsd, process.env.RING_VIRTIOFSD, 'virtiofsd', '/usr/libexec/virtiofsd', '/usr/lib/qemu/virtiofsd']
    .filter((x): x is string => Boolean(x)).map(which).find(Boolean);
  if (s.socketDir) {
    const problem = socketDirProblem(s.socketDir);
    checks.push({ name: 'socket_dir', ok: !problem, detail: problem ?? s.socketDir });
  }
  checks.push({ name: 'virtiofsd', ok: Boolean(virtiofsd), detail: virtiofsd ?? 'not found in PATH, /usr/libexec or /usr/lib/qemu (only volumes need it) — install it (Debian: sudo apt-get install qemu-system-common) or set [server.runtime.cloud_hypervisor] virtiofsd_path' });
  return checks;
}

function runtimeSettings(file: string): { docker?: boolean; ch?: boolean; chSettings: ChSettings; others: string[] } {
  const dir = configDir();
  const chSettings: ChSettings = { binary: 'cloud-hypervisor', firmware: join(dir, 'cloud-hypervisor', 'vmlinux') };
  if (!existsSync(file)) return { chSettings, others: [] };
  try {
    const doc = parseToml(readFileSync(file, 'utf8')) as { server?: { runtime?: Record<string, Record<string, unknown>> } };
    const rt = doc.server?.runtime ?? {};
    const ch = rt.cloud_hypervisor ?? {};
    if (typeof ch.binary_path === 'string') chSettings.binary = ch.binary_path;
    if (typeof ch.firmware_path === 'string') chSettings.firmware = ch.firmware_path.replace('$RING_CONFIG_DIR', dir);
    const others = Object.entries(rt).filter(([k, v]) => k !== 'docker' && k !== 'cloud_hypervisor' && v?.enabled === true).map(([k]) => k);
    return {
      docker: typeof rt.docker?.enabled === 'boolean' ? rt.docker.enabled : undefined,
      ch: ch.enabled === true,
      chSettings,
      others,
    };
  } catch {
    return { chSettings, others: [] };
  }
}

function printGroup(title: string, checks: Check[]): number {
  out(paint(title, 'bold'));
  let failures = 0;
  for (const c of checks) {
    if (!c.ok) failures++;
    const mark = c.ok ? paint('[+]', 'green') : paint('[-]', 'red');
    out(`  ${mark} ${c.name}: ${c.detail}`);
  }
  return failures;
}

/** Runs every check and prints the report; returns the number of failed checks. */
export async function runDoctor(g: GlobalOptions): Promise<number> {
  const file = configFilePath(g.config);
  const config = loadConfig({ file: g.config, context: g.context });
  const rt = runtimeSettings(file);
  // The server's own reading of [server.runtime.cloud_hypervisor] ($RING_CONFIG_DIR expanded, defaults filled in).
  const ch = config.cloudHypervisor;
  rt.chSettings = { binary: ch.binaryPath, firmware: ch.firmwarePath, socketDir: ch.socketDir, virtiofsd: ch.virtiofsdPath };
  let failures = printGroup('Server', [
    checkSecretKey(),
    { name: 'Config', ok: true, detail: existsSync(file) ? `${file} (context '${config.current.name}', ${config.current.host}:${config.current.port})` : `${file} not found, using defaults (127.0.0.1:3030)` },
  ]);
  const dockerEnabled = rt.docker ?? config.docker.enabled;
  // Another runtime enabled (podman…) is not "nothing": its own group says it cannot run here.
  const nothingEnabled = !dockerEnabled && !rt.ch && rt.others.length === 0;
  if (dockerEnabled || nothingEnabled) {
    out();
    failures += printGroup('Docker', await checkDocker(config.docker.host));
  }
  if (rt.ch || nothingEnabled) {
    out();
    failures += printGroup('Cloud Hypervisor', await checkCloudHypervisor(rt.chSettings));
  }
  for (const other of rt.others) {
    out();
    failures += printGroup(other, [{ name: other, ok: false, detail: `the ${other} runtime is not implemented by this server yet` }]);
  }
  return failures;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check that this host has what `ring server start` needs')
    .action(async (_opts: unknown, cmd: Command) => {
      const failures = await runDoctor(globalsOf(cmd));
      if (failures > 0) throw new CliError(`\n${failures} check${failures > 1 ? 's' : ''} failed.`, EXIT.GENERAL);
      out();
      out('All checks passed.');
    });
}
