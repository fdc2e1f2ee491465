import { RuntimeError, type RuntimeErrorReason } from '../runtime.js';

/**
 * Thrown by exec() when the command outlives its timeout. It is still a RuntimeError
 * ('runtime_error', message 'timeout') for callers that only know the interface; callers that
 * care (health probes report `timeout`, not `failed`) test `instanceof ExecTimeoutError` or
 * `isExecTimeout(err)`. Docker cannot kill an exec, so the process may linger in the container.
 */
export class ExecTimeoutError extends RuntimeError {
  constructor(readonly timeoutMs: number) {
    super('runtime_error', 'timeout');
    this.name = 'ExecTimeoutError';
  }
}

export function isExecTimeout(err: unknown): err is ExecTimeoutError {
  return err instanceof ExecTimeoutError;
}

interface DockerodeErrorShape { statusCode?: unknown; json?: unknown; message?: unknown }

export function dockerStatus(err: unknown): number | undefined {
  const code = (err as DockerodeErrorShape | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The daemon's own words, without dockerode's "(HTTP code 500) server error - " wrapper. */
export function dockerMessage(err: unknown): string {
  const e = err as DockerodeErrorShape | null;
  const json = e?.json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message.trim();
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  const raw = typeof e?.message === 'string' ? e.message : String(err);
  const m = /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(raw);
  return (m ? m[1] : raw).trim();
}

export function isNotFound(err: unknown): boolean {
  return dockerStatus(err) === 404;
}

export function runtimeError(reason: RuntimeErrorReason, message: string, cause?: unknown): RuntimeError {
  return new RuntimeError(reason, message, cause === undefined ? undefined : { cause });
}

const PORT_CONFLICT = /port is already allocated|address already in use|bind for .* failed/i;

export function isPortConflict(message: string): boolean {
  return PORT_CONFLICT.test(message);
}

const NOT_FOUND = /not found|manifest unknown|repository does not exist/i;
// `no basic auth credentials`: the daemon's words when a registry demands auth and none was sent.
const AUTH = /unauthorized|authentication required|no basic auth credentials|denied|forbidden/i;
const UNREACHABLE = /connection refused|no such host|dial tcp|timeout|connection reset/i;

/**
 * One pull failure (the first error the daemon reported) to the reason and message of §5.5/§7.1;
 * the order matters: a 404 that also says "denied" (Docker Hub's "pull access denied … does not
 * exist") is a missing image, not an auth problem.
 */
export const INLINE_CREDENTIALS_HINT = 'check config.server, config.username and config.password';

/** `credentialsHint`: what to check when the registry refuses the credentials (they came from somewhere). */
export function classifyPullError(image: string, ref: string, text: string, status?: number, credentialsHint = INLINE_CREDENTIALS_HINT): RuntimeError {
  if (status === 404 || NOT_FOUND.test(text)) {
    return new RuntimeError('image_not_found', `Image '${image}' not found: ${text}`);
  }
  if (status === 401 || status === 403 || AUTH.test(text)) {
    return new RuntimeError(
      'image_pull_failed',
      `Failed to pull image '${image}': registry authentication failed for '${ref}' — ${credentialsHint} (original error: ${text})`,
    );
  }
  if (UNREACHABLE.test(text)) {
    return new RuntimeError(
      'image_pull_failed',
      `Failed to pull image '${image}': cannot reach the registry for '${ref}' — is it up and the registry host correct? (original error: ${text})`,
    );
  }
  return new RuntimeError('image_pull_failed', `Failed to pull image '${image}': ${text}`);
}
