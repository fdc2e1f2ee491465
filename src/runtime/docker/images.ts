import type Docker from 'dockerode';
import { RuntimeError, type InstanceSpec } from '../runtime.js';
import { classifyPullError, dockerMessage, dockerStatus, isNotFound } from './errors.js';
import { hostConfigPath, hostRegistryAuth, type HostAuthPolicy } from './host-auth.js';

export interface ImageRef {
  /** Name without tag or digest, as the pull API wants it in `fromImage`. */
  repository: string;
  /** Tag or `sha256:…` digest; never empty, since an empty tag makes Docker pull every tag. */
  tagOrDigest: string;
  isDigest: boolean;
  /** The canonical text used in messages and for cache lookups: `name:tag` or `name@digest`. */
  ref: string;
}

/** `@` means a digest; a `:` after the last `/` is a tag (before it, a registry port); default `latest`. */
export function parseImageRef(image: string): ImageRef {
  const at = image.indexOf('@');
  if (at >= 0) {
    const name = image.slice(0, at);
    const digest = image.slice(at + 1);
    // `name:tag@digest`: the digest wins, the tag is decoration.
    const colon = name.lastIndexOf(':');
    const repository = colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
    return { repository, tagOrDigest: digest, isDigest: true, ref: `${repository}@${digest}` };
  }
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/')) {
    return { repository: image.slice(0, colon), tagOrDigest: image.slice(colon + 1), isDigest: false, ref: image };
  }
  return { repository: image, tagOrDigest: 'latest', isDigest: false, ref: `${image}:latest` };
}

/**
 * Makes the image available per the pull policy and returns its repo digest (`repo@sha256:…`),
 * or null for images that never came from a registry (e.g. `docker import`).
 */
export async function ensureImage(
  docker: Docker, spec: InstanceSpec, signal?: AbortSignal, hostAuth: HostAuthPolicy = { enabled: false },
): Promise<string | null> {
  const ref = parseImageRef(spec.image);
  const cached = await inspectImage(docker, spec.image, ref);

  if (spec.pullPolicy === 'Never') {
    if (!cached) {
      throw new RuntimeError(
        'image_not_found',
        `Image '${spec.image}' not found: image '${ref.ref}' not in local cache and image_pull_policy=Never forbids pulling`,
      );
    }
    return repoDigest(cached, ref);
  }

  // A digest names immutable content, so a cached copy is always the right one.
  const mustPull = spec.pullPolicy === 'Always' && !ref.isDigest;
  if (cached && !mustPull) return repoDigest(cached, ref);

  await pullImage(docker, spec, ref, signal, hostAuth);
  const pulled = await inspectImage(docker, spec.image, ref);
  if (!pulled) {
    throw new RuntimeError('image_not_found', `Image '${spec.image}' not found: '${ref.ref}' missing after pull`);
  }
  return repoDigest(pulled, ref);
}

async function inspectImage(docker: Docker, image: string, ref: ImageRef): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(ref.ref).inspect();
  } catch (err) {
    if (isNotFound(err)) return null;
    throw new RuntimeError('runtime_error', `Failed to inspect image '${image}': ${dockerMessage(err)}`, { cause: err });
  }
}

function repoDigest(info: Docker.ImageInspectInfo, ref: ImageRef): string | null {
  const digests = info.RepoDigests ?? [];
  return digests.find((d) => d.startsWith(`${ref.repository}@`)) ?? digests[0] ?? null;
}

/**
 * The daemon reports some failures as the HTTP status of the request (unreachable registry) and
 * others only inside the progress stream (missing manifest, auth), so both paths are read and
 * the first error wins.
 */
async function pullImage(docker: Docker, spec: InstanceSpec, ref: ImageRef, signal: AbortSignal | undefined, hostAuth: HostAuthPolicy): Promise<void> {
  // Host credentials are looked up only when a pull happens: a cached image needs none.
  const creds = spec.auth ?? (spec.useHostAuth ? hostRegistryAuth(spec.image, hostAuth) : undefined);
  const hint = spec.useHostAuth && !spec.auth
    ? `the registry refused the host's credentials from ${hostConfigPath(hostAuth)} (docker login again on the server's host)`
    : undefined;
  const auth = creds
    ? { username: creds.username, password: creds.password, serveraddress: creds.serveraddress ?? registryHost(ref.repository) }
    : undefined;
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.createImage(auth as Docker.AuthConfig, {
      fromImage: ref.repository,
      tag: ref.tagOrDigest,
      abortSignal: signal,
    })) as NodeJS.ReadableStream;
  } catch (err) {
    if (signal?.aborted) throw abortError(spec, err);
    throw classifyPullError(spec.image, ref.ref, dockerMessage(err), dockerStatus(err), hint);
  }

  const streamError = await new Promise<string | null>((resolve) => {
    let first: string | null = null;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => resolve(first ?? (err ? err.message : null)),
      (event: { error?: string; errorDetail?: { message?: string } }) => {
        const text = event.errorDetail?.message ?? event.error;
        if (first === null && text) first = text;
      },
    );
  });
  if (signal?.aborted) throw abortError(spec, signal.reason);
  if (streamError !== null) throw classifyPullError(spec.image, ref.ref, streamError, undefined, hint);
}

function abortError(spec: InstanceSpec, cause: unknown): RuntimeError {
  return new RuntimeError('image_pull_failed', `Failed to pull image '${spec.image}': pull aborted`, { cause });
}

/** Docker's rule: the first path component is a registry only if it looks like a host. */
function registryHost(repository: string): string {
  const slash = repository.indexOf('/');
  if (slash < 0) return 'https://index.docker.io/v1/';
  const first = repository.slice(0, slash);
  return /[.:]/.test(first) || first === 'localhost' ? first : 'https://index.docker.io/v1/';
}
