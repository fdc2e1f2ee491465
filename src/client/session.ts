// Which server a client talks to (RING_URL, else the context of config.toml) and with which token
// (RING_TOKEN, else auth.json). Used by the CLI, gitops and the TUI; not part of the published package
// (a CI script passes baseUrl and token to createClient itself).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type RingClient } from '../client/index.js';
import { configDir, loadConfig, type RingConfig } from '../config.js';
import { CliError, EXIT, NO_ACCOUNT } from './errors.js';

export { failureOf } from './errors.js';

export interface GlobalOptions {
  context?: string;
  config?: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export function authFilePath(env: NodeJS.ProcessEnv = process.env): string {
  // auth.json lives in the config dir, whatever --config says (§11.1).
  return join(configDir(env), 'auth.json');
}

export type AuthFile = Record<string, { token?: string } | undefined>;

export function readAuthFile(env: NodeJS.ProcessEnv = process.env): AuthFile {
  const file = authFilePath(env);
  if (!existsSync(file)) return {};
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as AuthFile) : {};
  } catch {
    return {};
  }
}

/** Writes auth.json atomically with mode 0600 (it holds bearer tokens). */
export function writeAuthFile(doc: AuthFile, env: NodeJS.ProcessEnv = process.env): string {
  const file = authFilePath(env);
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return file;
}

export function storeToken(context: string, token: string, env: NodeJS.ProcessEnv = process.env): string {
  const doc = readAuthFile(env);
  doc[context] = { ...(doc[context] ?? {}), token };
  return writeAuthFile(doc, env);
}

export function dropToken(context: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const doc = readAuthFile(env);
  if (!(context in doc)) return false;
  delete doc[context];
  writeAuthFile(doc, env);
  return true;
}

/** RING_TOKEN (non-empty) wins over auth.json. */
export function tokenFor(context: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.RING_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const t = readAuthFile(env)[context]?.token;
  return typeof t === 'string' && t ? t : undefined;
}

/** Loads config.toml and picks the context; an explicitly named context that does not exist is an error. */
export function resolveConfig(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): RingConfig {
  const config = loadConfig({ file: g.config, context: g.context, env });
  if (g.context && config.current.name !== g.context && !(config.contexts.length === 0 && g.context === 'default')) {
    const known = config.contexts.map((c) => c.name).join(', ') || 'none';
    throw new CliError(`error: context '${g.context}' not found in ${config.configFile} (known: ${known})`, EXIT.GENERAL);
  }
  return config;
}

/**
 * RING_URL (non-empty, http or https) wins over the context of config.toml, so a CI job needs nothing but
 * RING_URL and RING_TOKEN.
 */
export function baseUrlOf(config: RingConfig, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.RING_URL?.trim();
  if (fromEnv) {
    let url: URL;
    try {
      url = new URL(fromEnv);
    } catch {
      throw new CliError(`error: RING_URL=${fromEnv} is not a URL (expected e.g. http://127.0.0.1:3030)`, EXIT.AUTH);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CliError(`error: RING_URL=${fromEnv} must be an http:// or https:// URL`, EXIT.AUTH);
    }
    return fromEnv.replace(/\/+$/, '');
  }
  const { scheme, host, port } = config.current;
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${scheme}://${h}:${port}`;
}

export interface Session {
  context: string;
  baseUrl: string;
  token?: string;
  config: RingConfig;
  client: RingClient;
}

export function openSession(g: GlobalOptions, opts: { requireToken?: boolean; timeoutMs?: number | null } = {}): Session {
  const config = resolveConfig(g);
  const context = config.current.name;
  const token = tokenFor(context);
  if (opts.requireToken !== false && !token) throw new CliError(NO_ACCOUNT, EXIT.AUTH);
  const baseUrl = baseUrlOf(config);
  const timeoutMs = opts.timeoutMs === null ? undefined : (opts.timeoutMs ?? clientTimeoutMs());
  return { context, baseUrl, token, config, client: createClient({ baseUrl, token, timeoutMs }) };
}

function clientTimeoutMs(): number {
  const raw = Number(process.env.RING_CLIENT_TIMEOUT);
  return Number.isFinite(raw) && raw > 0 ? raw * 1000 : DEFAULT_TIMEOUT_MS;
}

/**
 * Kept for callers written before the connection middleware: the client itself now throws the one-line
 * connection error, so this only awaits the call.
 */
export async function send<R>(_session: unknown, call: Promise<R>): Promise<R> {
  return call;
}
