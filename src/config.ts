// config.toml and environment: where the server binds, where the CLI connects, and the scheduler knobs.
// Precedence: environment variables > config.toml > defaults. Shared by the server and the CLI.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parseDuration } from './domain/durations.js';
import { telemetrySettings, type TelemetryConfig } from './telemetry/settings.js';

export interface ContextConfig {
  name: string;
  host: string;
  scheme: string;
  port: number;
  corsOrigins: string[];
}

export interface RingConfig {
  configDir: string;
  configFile: string;
  contexts: ContextConfig[];
  current: ContextConfig;
  schedulerIntervalMs: number;
  applyTimeoutMs: number;
  rolloutDeadlineMs: number;
  databasePath: string;
  /** use_host_registry_auth / host_registry_config: may deployments with config.use_host_auth use the host's Docker credentials. */
  docker: { enabled: boolean; host: string; useHostRegistryAuth: boolean; hostRegistryConfig?: string };
  /** `[server.runtime.swarm]`: whole deployments placed on a Swarm through its manager (src/swarm/). */
  swarm: { enabled: boolean; host: string; endpointMode: 'auto' | 'vip' | 'dnsrr' };
  /** `[server.runtime.cloud_hypervisor]` (CLOUD-HYPERVISOR.md §1.14, plus guest_subnet, manage_nat, virtiofsd_path). */
  cloudHypervisor: CloudHypervisorConfig;
  /** `[server.runtime.podman|containerd|firecracker] enabled = true`: runtimes this server cannot run. */
  unimplementedRuntimes: string[];
  logLevel: string;
  /** Host access by non-admin tokens (src/domain/host-access.ts). */
  security: { bindMountAllow: string[] };
  /** `[server.webhooks]`: allow_loopback (or RING_WEBHOOK_ALLOW_LOOPBACK) lets subscribers live on this host. */
  webhooks: { allowLoopback: boolean };
  /** `[server.telemetry.*]` + OTEL_* (src/telemetry/settings.ts); its errors refuse the server's start. */
  telemetry: TelemetryConfig;
  /** Problems met while reading the file; the server logs them and goes on with defaults. */
  warnings: string[];
}

export interface CloudHypervisorConfig {
  enabled: boolean;
  /** `cloud-hypervisor` (looked up on PATH) or a path. */
  binaryPath: string;
  firmwarePath: string;
  socketDir: string;
  /** Passed as `--seccomp <v>` when set: true, false, log (and errno, which CH v53 accepts too). */
  seccomp: 'true' | 'false' | 'log' | 'errno' | null;
  maxConsoleLogBytes: number;
  maxConsoleLogBackups: number;
  /** The /16 guests' /30 links are carved from; tests use 127.42.0.0/16 (all loopback). */
  guestSubnet: string;
  /** Install the MASQUERADE/FORWARD rules and ip_forward once; tests turn it off. */
  manageNat: boolean;
  /** virtiofsd to run; null = RING_VIRTIOFSD, PATH, /usr/libexec/virtiofsd, /usr/lib/qemu/virtiofsd. */
  virtiofsdPath: string | null;
  consoleLogRotateIntervalMs: number;
}

export const DEFAULT_PORT = 3030;

const SECCOMP_VALUES = ['true', 'false', 'log', 'errno'] as const;

/** Reads `[server.runtime.cloud_hypervisor]`; a wrong value is reported and its default used (never silently). */
export function cloudHypervisorConfig(raw: Table, dir: string, warnings: string[]): CloudHypervisorConfig {
  const key = (k: string) => `[server.runtime.cloud_hypervisor] ${k}`;
  const expand = (p: string) => p.replace(/\$RING_CONFIG_DIR|\$\{RING_CONFIG_DIR\}/g, dir);
  const str = (k: string, fallback: string): string => {
    const v = raw[k];
    if (v === undefined) return fallback;
    if (typeof v === 'string' && v.trim() !== '') return expand(v.trim());
    warnings.push(`${key(k)} must be a non-empty string; using ${fallback}`);
    return fallback;
  };
  const bool = (k: string, fallback: boolean): boolean => {
    const v = raw[k];
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    warnings.push(`${key(k)} must be true or false; using ${fallback}`);
    return fallback;
  };
  const count = (k: string, fallback: number): number => {
    const v = raw[k];
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    warnings.push(`${key(k)} must be a whole number ≥ 0; using ${fallback}`);
    return fallback;
  };
  let seccomp: CloudHypervisorConfig['seccomp'] = null;
  if (raw.seccomp !== undefined) {
    const v = String(raw.seccomp);
    if ((SECCOMP_VALUES as readonly string[]).includes(v)) seccomp = v as CloudHypervisorConfig['seccomp'];
    else warnings.push(`${key('seccomp')} must be one of ${SECCOMP_VALUES.join(', ')}; not passing --seccomp`);
  }
  let rotateMs = 60_000;
  const ri = raw.console_log_rotate_interval;
  if (ri !== undefined) {
    const ms = typeof ri === 'number' ? ri * 1000 : typeof ri === 'string' ? parseDuration(ri) : null;
    if (ms !== null && ms > 0) rotateMs = ms;
    else warnings.push(`${key('console_log_rotate_interval')} must be a duration ("60s") or seconds; using 60s`);
  }
  let subnet = str('guest_subnet', '10.42.0.0/16');
  if (!/^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/.test(subnet) || subnet.split(/[./]/).slice(0, 2).some((o) => Number(o) > 255)) {
    warnings.push(`${key('guest_subnet')} must be an IPv4 /16 such as 10.42.0.0/16; using 10.42.0.0/16`);
    subnet = '10.42.0.0/16';
  }
  const virtiofsd = raw.virtiofsd_path === undefined ? null : str('virtiofsd_path', '') || null;
  return {
    enabled: bool('enabled', false),
    binaryPath: str('binary_path', 'cloud-hypervisor'),
    firmwarePath: str('firmware_path', join(dir, 'cloud-hypervisor', 'vmlinux')),
    socketDir: str('socket_dir', join(dir, 'cloud-hypervisor', 'sockets')),
    seccomp,
    maxConsoleLogBytes: count('max_console_log_bytes', 10 * 1024 * 1024),
    maxConsoleLogBackups: count('max_console_log_backups', 3),
    guestSubnet: subnet,
    manageNat: bool('manage_nat', true),
    virtiofsdPath: virtiofsd,
    consoleLogRotateIntervalMs: rotateMs,
  };
}


/** Where a config directory came from: RING_CONFIG_DIR, ours (~/.config/ring), or Ring's (~/.config/kemeter/ring). */
export interface ConfigDirChoice {
  dir: string;
  from: 'env' | 'ours' | 'ring';
  /** Our own default directory (whether or not it exists). */
  ours: string;
}

/**
 * The config directory (config.toml, auth.json, secret-key, cloud-hypervisor/). RING_CONFIG_DIR wins;
 * else ours, ~/.config/ring; but when ours does not exist and Ring's ~/.config/kemeter/ring does, a
 * Ring user's existing directory is used as it is (same file formats, RING.md §11.1, §12), so moving
 * over needs no copying. Creating ~/.config/ring (e.g. `ring init`) switches back to ours.
 */
export function chooseConfigDir(env: NodeJS.ProcessEnv = process.env): ConfigDirChoice {
  const home = env.HOME || homedir();
  const ours = join(home, '.config', 'ring');
  if (env.RING_CONFIG_DIR) return { dir: env.RING_CONFIG_DIR, from: 'env', ours };
  const ring = join(home, '.config', 'kemeter', 'ring');
  if (!existsSync(ours) && existsSync(ring)) return { dir: ring, from: 'ring', ours };
  return { dir: ours, from: 'ours', ours };
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return chooseConfigDir(env).dir;
}

/** The one line that says Ring's directory is in use, or undefined when it is not. */
export function ringConfigDirNotice(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const c = chooseConfigDir(env);
  if (c.from !== 'ring') return undefined;
  return `using Ring's config directory ${c.dir} (config.toml, auth.json, secret-key): ${c.ours} does not exist`;
}

/** Runtimes Ring's config knows that this server does not implement (RING.md §1: "enum values only"). */
export const UNIMPLEMENTED_RUNTIMES = ['podman', 'containerd', 'firecracker'] as const;

export function configFilePath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit || env.RING_CONFIG_FILE || join(configDir(env), 'config.toml');
}

type Table = Record<string, unknown>;
const table = (v: unknown): Table => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Table) : {});

/**
 * `[server.security] bind_mount_allow`, overridden by `RING_BIND_MOUNT_ALLOW` (comma-separated; set but
 * empty = none). Only absolute paths count; the rest is reported and dropped.
 */
function bindMountAllow(fromToml: unknown, fromEnv: string | undefined, warnings: string[]): string[] {
  const raw = fromEnv !== undefined ? fromEnv.split(',') : Array.isArray(fromToml) ? fromToml : [];
  const out: string[] = [];
  for (const entry of raw) {
    const p = typeof entry === 'string' ? entry.trim() : '';
    if (p === '' && fromEnv !== undefined) continue;
    if (!p.startsWith('/')) {
      warnings.push(`bind_mount_allow entry ${JSON.stringify(entry)} is not an absolute path; ignored`);
      continue;
    }
    out.push(p);
  }
  return out;
}

/** `use_host_registry_auth` / `host_registry_config` of `[server.runtime.docker]`; a wrong type is reported, never guessed. */
function hostRegistryAuth(docker: Table, warnings: string[]): { useHostRegistryAuth: boolean; hostRegistryConfig?: string } {
  let useHostRegistryAuth = false;
  if (docker.use_host_registry_auth !== undefined) {
    if (typeof docker.use_host_registry_auth === 'boolean') useHostRegistryAuth = docker.use_host_registry_auth;
    else warnings.push('[server.runtime.docker] use_host_registry_auth must be true or false; using false');
  }
  const path = docker.host_registry_config;
  if (path === undefined) return { useHostRegistryAuth };
  if (typeof path === 'string' && path.trim() !== '') return { useHostRegistryAuth, hostRegistryConfig: path.trim() };
  warnings.push('[server.runtime.docker] host_registry_config must be a path; using $DOCKER_CONFIG/config.json or ~/.docker/config.json');
  return { useHostRegistryAuth };
}

/**
 * Ring settings this build has no use for: each is said once at start (the server logs `warnings`),
 * never silently dropped. RING_DASHBOARD itself is answered by the banner (`Dashboard: not available`),
 * `[server.dashboard] enabled` in loadConfig.
 */
function unusedRingSettings(env: NodeJS.ProcessEnv, warnings: string[]): void {
  if (env.RING_DB_POOL_SIZE !== undefined && env.RING_DB_POOL_SIZE !== '') {
    warnings.push('RING_DB_POOL_SIZE is not used: ring keeps one synchronous SQLite connection (no pool)');
  }
  if (env.RING_DASHBOARD_LISTEN) warnings.push('RING_DASHBOARD_LISTEN is not used: this build has no web dashboard (use `ring tui`)');
}

function positiveSeconds(raw: string | undefined, fallback: number, name: string, warnings: string[]): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    warnings.push(`${name}=${raw} is not a positive number of seconds; using ${fallback / 1000}`);
    return fallback;
  }
  return n * 1000;
}

export function loadConfig(opts: { file?: string; context?: string; env?: NodeJS.ProcessEnv } = {}): RingConfig {
  const env = opts.env ?? process.env;
  const warnings: string[] = [];
  const file = configFilePath(opts.file, env);
  let doc: Table = {};
  if (existsSync(file)) {
    try {
      doc = parseToml(readFileSync(file, 'utf8')) as Table;
    } catch (e) {
      warnings.push(`invalid TOML in ${file}: ${(e as Error).message.split('\n')[0]}; using defaults`);
    }
  }
  const contexts: ContextConfig[] = Object.entries(table(doc.contexts)).map(([name, raw]) => {
    const c = table(raw);
    const api = table(c.api);
    return {
      name,
      host: typeof c.host === 'string' ? c.host : '127.0.0.1',
      scheme: typeof api.scheme === 'string' ? api.scheme : 'http',
      port: typeof api.port === 'number' ? api.port : DEFAULT_PORT,
      corsOrigins: Array.isArray(api.cors_origins) ? api.cors_origins.map(String) : [],
      current: c.current === true,
    };
  });
  const wanted = opts.context;
  const current =
    (wanted && contexts.find((c) => c.name === wanted)) ||
    contexts.find((c) => c.name === 'default') ||
    contexts.find((c) => (c as { current?: boolean }).current) ||
    contexts[0] ||
    { name: 'default', host: '127.0.0.1', scheme: 'http', port: DEFAULT_PORT, corsOrigins: [] };
  if (wanted && current.name !== wanted) warnings.push(`context '${wanted}' not found in ${file}`);

  const server = table(doc.server);
  const scheduler = table(server.scheduler);
  const runtimeTables = table(server.runtime);
  const docker = table(runtimeTables.docker);
  // Docker is the default runtime when the file enables no other one; a file that enables another
  // runtime and says nothing of Docker means "not Docker", as in Ring (`ring init --runtime podman`).
  const otherEnabled = Object.entries(runtimeTables).some(([name, t]) => name !== 'docker' && table(t).enabled === true);
  const dockerEnabled = runtimeTables.docker === undefined ? !otherEnabled : docker.enabled !== false;
  const unimplementedRuntimes = UNIMPLEMENTED_RUNTIMES.filter((name) => table(runtimeTables[name]).enabled === true);
  // Ring's web dashboard is not part of this build: say so rather than accept the setting silently.
  if (table(server.dashboard).enabled === true) warnings.push('[server.dashboard] enabled = true has no effect: this build has no dashboard');
  const swarm = table(table(server.runtime).swarm);
  const cloudHypervisor = cloudHypervisorConfig(table(table(server.runtime).cloud_hypervisor), configDir(env), warnings);
  unusedRingSettings(env, warnings);
  const tomlInterval = typeof scheduler.interval === 'number' && scheduler.interval > 0 ? scheduler.interval * 1000 : 10_000;

  return {
    configDir: configDir(env),
    configFile: file,
    contexts,
    current: { name: current.name, host: current.host, scheme: current.scheme, port: current.port, corsOrigins: current.corsOrigins },
    schedulerIntervalMs: positiveSeconds(env.RING_SCHEDULER_INTERVAL, tomlInterval, 'RING_SCHEDULER_INTERVAL', warnings),
    applyTimeoutMs: positiveSeconds(env.RING_APPLY_TIMEOUT, 300_000, 'RING_APPLY_TIMEOUT', warnings),
    rolloutDeadlineMs: positiveSeconds(env.RING_ROLLOUT_DEADLINE, 600_000, 'RING_ROLLOUT_DEADLINE', warnings),
    databasePath: env.RING_DATABASE_PATH || './ring.db',
    docker: {
      enabled: dockerEnabled,
      host: typeof docker.host === 'string' ? docker.host : env.DOCKER_HOST || 'unix:///var/run/docker.sock',
      ...hostRegistryAuth(docker, warnings),
    },
    swarm: {
      enabled: env.RING_SWARM_HOST ? true : swarm.enabled === true,
      host: env.RING_SWARM_HOST || (typeof swarm.host === 'string' ? swarm.host : 'unix:///var/run/docker.sock'),
      endpointMode: swarm.endpoint_mode === 'vip' || swarm.endpoint_mode === 'dnsrr' ? swarm.endpoint_mode : 'auto',
    },
    cloudHypervisor,
    unimplementedRuntimes,
    logLevel: env.RING_LOG_LEVEL || env.RUST_LOG || (typeof server.log_level === 'string' ? server.log_level : '') || 'info',
    security: { bindMountAllow: bindMountAllow(table(server.security).bind_mount_allow, env.RING_BIND_MOUNT_ALLOW, warnings) },
    webhooks: {
      allowLoopback: env.RING_WEBHOOK_ALLOW_LOOPBACK !== undefined && env.RING_WEBHOOK_ALLOW_LOOPBACK !== ''
        ? /^(1|true|yes|on)$/i.test(env.RING_WEBHOOK_ALLOW_LOOPBACK.trim())
        : table(server.webhooks).allow_loopback === true,
    },
    telemetry: telemetrySettings(server.telemetry, env),
    warnings,
  };
}
