// `ring init`: writes config.toml and a secret key, then runs the doctor.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { chooseConfigDir, DEFAULT_PORT } from '../../config.js';
import { CliError, EXIT } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { out } from '../output.js';
import { ask, interactive } from '../prompt.js';
import { runDoctor } from './doctor.js';

const RUNTIME_CHOICES = ['docker', 'podman', 'containerd', 'cloud-hypervisor', 'firecracker', 'both'] as const;
type RuntimeChoice = (typeof RUNTIME_CHOICES)[number];
// Ring's list (kept verbatim for scripts that grep it), containerd accepted too.
const RUNTIME_HELP = 'docker, podman, cloud-hypervisor, firecracker, both';

function parseRuntime(raw: string): RuntimeChoice {
  if ((RUNTIME_CHOICES as readonly string[]).includes(raw)) return raw as RuntimeChoice;
  throw new InvalidArgumentError(`invalid runtime '${raw}' [possible values: ${RUNTIME_HELP}] (containerd is accepted too)`);
}

function parsePort(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > 65535) throw new InvalidArgumentError(`port must be between 1 and 65535, got '${raw}'.`);
  return n;
}

/** Every key of [server.runtime.cloud_hypervisor] with its default, so a newcomer sees what can be set (README). */
function cloudHypervisorTable(): string {
  return [
    '[server.runtime.cloud_hypervisor]',
    'enabled = true',
    'binary_path = "cloud-hypervisor"            # on PATH, or an absolute path',
    'firmware_path = "$RING_CONFIG_DIR/cloud-hypervisor/vmlinux"   # rust-hypervisor-firmware',
    'socket_dir = "$RING_CONFIG_DIR/cloud-hypervisor/sockets"',
    '# seccomp = "true"                          # true, false, log (or errno)',
    'max_console_log_bytes = 10485760',
    'max_console_log_backups = 3',
    'console_log_rotate_interval = "60s"',
    'guest_subnet = "10.42.0.0/16"',
    'manage_nat = true',
    '# virtiofsd_path = "/usr/libexec/virtiofsd"   # default: RING_VIRTIOFSD, PATH, /usr/libexec, /usr/lib/qemu',
    '',
  ].join('\n');
}

export function configToml(runtime: RuntimeChoice, port: number): string {
  const tables: string[] = [];
  const runtimeTable = (name: string, enabled: boolean) => `[server.runtime.${name}]\nenabled = ${enabled}\n`;
  if (runtime === 'docker') tables.push(runtimeTable('docker', true));
  else if (runtime === 'both') tables.push(runtimeTable('docker', true), cloudHypervisorTable());
  else {
    // Only the chosen runtime's table, as Ring writes it: a file that enables another runtime and has
    // no [server.runtime.docker] table leaves Docker off (src/config.ts).
    tables.push(runtime === 'cloud-hypervisor' ? cloudHypervisorTable() : runtimeTable(runtime, true));
  }
  return [
    '# Written by `ring init`. Reference: RING.md §12.',
    '[contexts.default]',
    'current = true',
    'host = "127.0.0.1"',
    'api.scheme = "http"',
    `api.port = ${port}`,
    '',
    '[server.scheduler]',
    'interval = 10',
    '',
    ...tables,
  ].join('\n');
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write config.toml and a secret key into the config directory, then run `ring doctor`')
    .addOption(new Option('--runtime <runtime>', `container runtime to enable (${RUNTIME_HELP})`).argParser(parseRuntime))
    .option('--port <port>', `API port (default ${DEFAULT_PORT})`, parsePort)
    .option('--force', 'overwrite an existing config.toml and secret-key')
    .action(async (opts: { runtime?: RuntimeChoice; port?: number; force?: boolean }, cmd: Command) => {
      const g = globalsOf(cmd);
      // ring init sets up ring's own directory: a Ring user's ~/.config/kemeter/ring is read while ours
      // does not exist (src/config.ts), never overwritten.
      const choice = chooseConfigDir();
      const dir = choice.from === 'ring' ? choice.ours : choice.dir;
      const configFile = g.config || process.env.RING_CONFIG_FILE || join(dir, 'config.toml');
      const keyFile = join(dir, 'secret-key');
      if (!opts.force) {
        for (const p of [configFile, keyFile]) {
          if (existsSync(p)) throw new CliError(`Error: ${p} already exists. Use --force to overwrite it.`, EXIT.GENERAL);
        }
      }
      let runtime = opts.runtime;
      let port = opts.port;
      if (interactive()) {
        while (runtime === undefined) {
          const a = await ask(`Runtime (${RUNTIME_HELP})`, { default: 'docker' });
          try { runtime = parseRuntime(a); } catch (e) { process.stderr.write(`${(e as Error).message}\n`); }
        }
        while (port === undefined) {
          const a = await ask('API port', { default: String(DEFAULT_PORT) });
          try { port = parsePort(a); } catch (e) { process.stderr.write(`${(e as Error).message}\n`); }
        }
      }
      runtime ??= 'docker';
      port ??= DEFAULT_PORT;

      try {
        mkdirSync(dirname(configFile), { recursive: true, mode: 0o700 });
        mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
        writeFileSync(configFile, configToml(runtime, port));
        writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
        chmodSync(keyFile, 0o600);
      } catch (e) {
        throw new CliError(`Error: cannot write the configuration: ${(e as Error).message}`, EXIT.GENERAL);
      }
      out(`Wrote ${configFile} (runtime ${runtime}, port ${port})`);
      if (choice.from === 'ring') out(`Ring's config directory ${choice.dir} is left as it was; ring now reads ${dir}`);
      out(`Wrote ${keyFile} (mode 0600)`);
      out();
      out('→ Pre-flight checks (ring doctor):');
      const failures = await runDoctor(g);
      out();
      if (failures > 0) {
        out('Some dependencies are missing… fix the [-] lines above, then run `ring doctor` again.');
      } else {
        out('Ready. Start the server with `ring server start`, then `ring login -u admin -p changeme`.');
      }
    });
}
