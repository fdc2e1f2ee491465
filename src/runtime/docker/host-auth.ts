// `config.use_host_auth`: registry credentials from the host's Docker client config (RING §8), only when
// the operator allowed it with `[server.runtime.docker] use_host_registry_auth = true`. The file is
// `host_registry_config`, else `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`; entries are
// keyed by registry host (`auths`, with `auth` = base64 user:password or username/password), and
// `credHelpers`/`credsStore` are asked through `docker-credential-<name> get`, as the docker CLI does.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RegistryAuth } from '../runtime.js';

export interface HostAuthPolicy { enabled: boolean; configPath?: string; env?: NodeJS.ProcessEnv }

export function hostConfigPath(p: HostAuthPolicy): string {
  const env = p.env ?? process.env;
  return p.configPath || (env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(homedir(), '.docker', 'config.json'));
}

/** The registry host of an image reference (Docker Hub for bare names). */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  return first && (/[.:]/.test(first) || first === 'localhost') ? first : 'docker.io';
}

const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

function keyMatches(key: string, host: string): boolean {
  const bare = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return bare === host || (host === 'docker.io' && HUB_KEYS.includes(key));
}

/** Credentials for this image's registry, or throws with a message saying why there are none. */
export function hostRegistryAuth(image: string, policy: HostAuthPolicy): RegistryAuth {
  const host = registryOf(image);
  if (!policy.enabled) {
    throw new Error(`config.use_host_auth: the runtime is not authorized to use host registry credentials — set use_host_registry_auth = true in [server.runtime.docker] of the server's config.toml, or give the deployment config.username/password or config.image_pull_secret`);
  }
  const file = hostConfigPath(policy);
  if (!existsSync(file)) throw new Error(`no host credential found for registry '${host}': ${file} does not exist`);
  let doc: { auths?: Record<string, { auth?: string; username?: string; password?: string }>; credHelpers?: Record<string, string>; credsStore?: string };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`no host credential found for registry '${host}': ${file} is not valid JSON (${(e as Error).message})`);
  }
  const helper = Object.entries(doc.credHelpers ?? {}).find(([k]) => keyMatches(k, host))?.[1] ?? doc.credsStore;
  const entry = Object.entries(doc.auths ?? {}).find(([k]) => keyMatches(k, host))?.[1];
  if (entry?.auth) {
    const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) return { username: plain.slice(0, colon), password: plain.slice(colon + 1), serveraddress: host };
  }
  if (entry?.username && entry.password) return { username: entry.username, password: entry.password, serveraddress: host };
  if (helper) {
    try {
      const out = execFileSync(`docker-credential-${helper}`, ['get'], { input: host, timeout: 10_000, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
      const c = JSON.parse(out) as { Username?: string; Secret?: string };
      if (c.Username && c.Secret) return { username: c.Username, password: c.Secret, serveraddress: host };
    } catch (e) {
      throw new Error(`no host credential found for registry '${host}': docker-credential-${helper} failed (${(e as Error).message.split('\n')[0]})`);
    }
  }
  throw new Error(`no host credential found for registry '${host}' in ${file} (docker login ${host} on the server's host)`);
}
