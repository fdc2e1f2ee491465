// `config.use_host_auth` (RING.md §8, §12): a pull with the registry credentials of the Docker client
// config on the server's host, allowed only when the operator turned on
// `[server.runtime.docker] use_host_registry_auth`. The file is `host_registry_config`, else
// `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`. As the docker CLI does, a
// `credHelpers` entry for the registry wins, then `credsStore`, then the `auths` entry (keyed by
// registry host; `auth` = base64 user:password, or username/password).
//
// decideHostAuth() is the decision, pure (file text and helper injected); hostRegistryAuth() feeds it
// from the filesystem and `docker-credential-<name> get`. A refusal is a pull failure (the deployment
// goes to image_pull_back_off): the refusal by policy says `not authorized` (RING §7.1, t37).
// Messages name the registry and the file, never a credential.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fromEntry, normalizeHost, registryOf, serverAddressOf, type PullCredentials } from '../../domain/registry-credentials.js';
import { RuntimeError } from '../runtime.js';

export interface HostAuthPolicy {
  /** `use_host_registry_auth`: off unless the operator says so. */
  enabled: boolean;
  /** `host_registry_config`: the config.json to read instead of Docker's default one. */
  configPath?: string;
  /** DOCKER_CONFIG and HOME come from here (the server's environment). */
  env?: NodeJS.ProcessEnv;
}

/** What `docker-credential-<name> get` said: credentials, or why there are none. */
export type HelperAnswer = { username: string; secret: string } | { error: string };
export type HelperRunner = (helper: string, serverUrl: string) => HelperAnswer;

export type HostAuthResult = { ok: true; credentials: PullCredentials } | { ok: false; message: string };

export const NOT_AUTHORIZED_MESSAGE =
  'the runtime is not authorized to use host registry credentials — set use_host_registry_auth = true in ' +
  "[server.runtime.docker] of the server's config.toml, or give the deployment config.username/password " +
  'or config.image_pull_secret';

/** The config.json host credentials are read from. */
export function hostConfigPath(policy: HostAuthPolicy): string {
  const env = policy.env ?? process.env;
  const home = env.HOME || homedir();
  if (policy.configPath) return policy.configPath.replace(/^~(?=\/|$)/, home);
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(home, '.docker', 'config.json');
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * The credentials a use_host_auth pull of `image` gets, or why it gets none.
 * `text` is the config file's content, null when the file does not exist.
 */
export function decideHostAuth(image: string, enabled: boolean, file: string, text: string | null, helper: HelperRunner): HostAuthResult {
  if (!enabled) return { ok: false, message: NOT_AUTHORIZED_MESSAGE };
  const registry = registryOf(image);
  const address = serverAddressOf(registry);
  const login = `run 'docker login${registry === 'docker.io' ? '' : ` ${registry}`}' as the user the server runs as, or set host_registry_config`;
  // Never an anonymous pull instead: the deployment asked for the host's credentials.
  const none = (why: string): HostAuthResult => ({
    ok: false, message: `no host credential found for registry '${registry}': ${why} — the pull is not authorized without one (${login})`,
  });
  if (text === null) return none(`${file} does not exist`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return none(`${file} is not valid JSON`);
  }
  if (!isRecord(doc)) return none(`${file} is not a JSON object`);

  const helpers = isRecord(doc.credHelpers) ? doc.credHelpers : {};
  const perRegistry = Object.entries(helpers).find(([key, v]) => normalizeHost(key) === registry && typeof v === 'string' && v !== '')?.[1] as string | undefined;
  const store = typeof doc.credsStore === 'string' && doc.credsStore !== '' ? doc.credsStore : undefined;
  const name = perRegistry ?? store;
  if (name) {
    const answer = helper(name, address);
    if ('error' in answer) return none(`docker-credential-${name} (${perRegistry ? 'credHelpers' : 'credsStore'} in ${file}) answered: ${answer.error}`);
    return { ok: true, credentials: { username: answer.username, password: answer.secret, serveraddress: address } };
  }

  const auths = isRecord(doc.auths) ? doc.auths : {};
  const entry = Object.entries(auths).find(([key]) => normalizeHost(key) === registry)?.[1];
  if (entry === undefined) return none(`${file} has no entry for it`);
  const creds = isRecord(entry) ? fromEntry(entry) : null;
  if (!creds) return none(`the entry for it in ${file} has neither "auth" nor "username"/"password"`);
  return { ok: true, credentials: { ...creds, serveraddress: address } };
}

/** `docker-credential-<name> get`, as the docker CLI calls it (server URL on stdin, JSON on stdout). */
export const runCredentialHelper: HelperRunner = (helper, serverUrl) => {
  try {
    const out = execFileSync(`docker-credential-${helper}`, ['get'], { input: serverUrl, timeout: 10_000, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
    const c = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
    if (typeof c.Username === 'string' && typeof c.Secret === 'string' && c.Secret !== '') return { username: c.Username, secret: c.Secret };
    return { error: 'no username/secret in its answer' };
  } catch (e) {
    const err = e as { code?: string; stdout?: Buffer; stderr?: Buffer; message: string };
    if (err.code === 'ENOENT') return { error: `docker-credential-${helper} is not on the server's PATH` };
    const said = `${err.stdout?.toString() ?? ''} ${err.stderr?.toString() ?? ''}`.trim().split('\n')[0];
    return { error: said || err.message.split('\n')[0] };
  }
};

/** The host's credentials for this image's registry; a RuntimeError (image_pull_failed) saying why not. */
export function hostRegistryAuth(image: string, policy: HostAuthPolicy, helper: HelperRunner = runCredentialHelper): PullCredentials {
  const file = hostConfigPath(policy);
  let text: string | null = null;
  if (policy.enabled) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new RuntimeError('image_pull_failed', `Failed to pull image '${image}': cannot read host registry config ${file}: ${(e as Error).message}`);
      }
    }
  }
  const r = decideHostAuth(image, policy.enabled, file, text, helper);
  if (!r.ok) throw new RuntimeError('image_pull_failed', `Failed to pull image '${image}': ${r.message}`);
  return r.credentials;
}
