// Registry credentials held in an `image_pull_secret` (RING.md §4.2, §8). The secret may hold
// either a Docker config.json (`{"auths": {"<host>": {"auth": base64("user:pass")}}}`, as written
// by `docker login`, or with `username`/`password` fields) or a flat `{server?, username, password}`.
// Only the entry for the image's own registry is used: credentials are never offered to a
// registry they were not issued for.
//
// Failure reasons never quote the secret's content.

export interface PullCredentials { username: string; password: string; serveraddress?: string }
export type CredentialsResult = { ok: true; credentials: PullCredentials } | { ok: false; reason: string };

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);
const DOCKER_HUB_ADDRESS = 'https://index.docker.io/v1/';

/** The address Docker expects in a pull's auth for this registry (Docker Hub's is its v1 URL). */
export function serverAddressOf(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_ADDRESS : registry;
}

/** Docker's rule: the first path component names a registry only if it looks like a host. */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return DOCKER_HUB;
  const first = image.slice(0, slash);
  return /[.:]/.test(first) || first === 'localhost' ? first.toLowerCase() : DOCKER_HUB;
}

/** `https://host:5000/v1/` → `host:5000`, Docker Hub aliases → `docker.io`. */
export function normalizeHost(key: string): string {
  const host = key.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** An `auths` entry's credentials: username/password, or `auth` = base64(user:password). */
export function fromEntry(entry: Record<string, unknown>): { username: string; password: string } | null {
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') {
    return { username: entry.username, password: entry.password };
  }
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return null;
}

export function parsePullSecret(text: string, image: string): CredentialsResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'is not JSON: expected a Docker config.json ({"auths": {...}}) or {"username", "password"}' };
  }
  if (!isRecord(doc)) return { ok: false, reason: 'is not a JSON object' };

  const registry = registryOf(image);
  const address = serverAddressOf(registry);
  if (isRecord(doc.auths)) {
    const match = Object.entries(doc.auths).find(([key]) => normalizeHost(key) === registry);
    if (!match) return { ok: false, reason: `has no credentials for registry '${registry}'` };
    const creds = isRecord(match[1]) ? fromEntry(match[1]) : null;
    if (!creds) return { ok: false, reason: `has an entry for registry '${registry}' without "auth" or "username"/"password"` };
    return { ok: true, credentials: { ...creds, serveraddress: address } };
  }

  const creds = fromEntry(doc);
  if (!creds) return { ok: false, reason: 'has neither "auths" nor "username" and "password"' };
  if (typeof doc.server === 'string' && doc.server.trim() !== '') {
    const server = normalizeHost(doc.server);
    if (server !== registry) return { ok: false, reason: `is for registry '${server}', not '${registry}'` };
  }
  return { ok: true, credentials: { ...creds, serveraddress: address } };
}
