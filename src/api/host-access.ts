// The admission side of src/domain/host-access.ts: builds the policy from the server's config and the
// host's filesystem, and refuses host access to any token without the `admin` scope.
import { existsSync, realpathSync } from 'node:fs';
import { posix } from 'node:path';
import type { RingConfig } from '../config.js';
import { hostAccessViolations, type HostAccessPolicy, type HostAccessSpec } from '../domain/host-access.js';
import type { Caller } from './context.js';
import { Problem } from './problem.js';
import { hasScope } from './tokens.js';

/**
 * Symlinks resolved as Docker will see them: the longest existing prefix through realpath, the rest
 * (which Docker creates as directories) appended as written.
 */
export function resolveHostPath(path: string): string {
  let head = path;
  const tail: string[] = [];
  while (head !== '/' && !existsSync(head)) {
    tail.unshift(posix.basename(head));
    head = posix.dirname(head);
  }
  try {
    return posix.join(realpathSync.native(head), ...tail);
  } catch {
    return path;
  }
}

export function hostAccessPolicy(config: RingConfig): HostAccessPolicy {
  const socket = /^unix:\/\/(\/.+)$/.exec(config.docker.host)?.[1];
  return {
    bindMountAllow: config.security.bindMountAllow,
    protectedPaths: socket ? [socket] : [],
    realpath: resolveHostPath,
  };
}

/** 403 naming every host-access field, unless the caller holds `admin`. Runs before anything is written. */
export function assertHostAccess(caller: Caller, spec: HostAccessSpec, config: RingConfig): void {
  if (hasScope(caller.scopes, 'admin')) return;
  const violations = hostAccessViolations(spec, hostAccessPolicy(config));
  if (violations.length === 0) return;
  throw new Problem(403,
    `host access needs a token with the admin scope:\n${violations.map((v) => `${v.property_path}: ${v.message}`).join('\n')}`,
    violations);
}
