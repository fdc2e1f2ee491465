// Exit codes and error lines shared by every client (CLI, gitops, TUI, CI scripts; RING.md §11.2, §11.3).
// Every failure is a CliError (alias RingError): its message (one or more lines) is what a terminal shows,
// its code the exit status a CLI or CI script should end with.

export const EXIT = {
  OK: 0,
  /** Validation, parse, other HTTP failures. */
  GENERAL: 1,
  /** 401/403, and usage errors. */
  AUTH: 2,
  /** Connection refused, timeout. */
  CONNECTION: 3,
  NOT_FOUND: 4,
  CONFLICT: 5,
  /** `--wait`: a deployment the apply touched failed its rollout (failed, crash loop, readiness deadline…). */
  ROLLOUT_FAILED: 6,
  /** `--wait`: `--timeout` passed before every deployment succeeded. */
  TIMEOUT: 7,
} as const;

export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.GENERAL) {
    super(message);
    this.name = 'CliError';
  }
}

/** The client-package name of the same class. */
export { CliError as RingError };

export const usageError = (message: string) => new CliError(`error: ${message}`, EXIT.AUTH);

/** The exit code an HTTP status maps to. */
export function exitCodeForStatus(status: number): number {
  if (status === 401 || status === 403) return EXIT.AUTH;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 409) return EXIT.CONFLICT;
  if (status === 408 || status === 504) return EXIT.CONNECTION;
  return EXIT.GENERAL;
}

/** What came back from a request that did not succeed. */
export interface HttpFailure {
  status: number;
  contentType: string;
  /** Parsed JSON when the body was JSON, else the text (or undefined when empty). */
  body: unknown;
}

/** What an openapi-fetch call resolves to; every error helper takes it as well as an HttpFailure. */
export interface FetchResult {
  error?: unknown;
  response: Response;
}

export type FailureSource = HttpFailure | FetchResult;

/** The failure of a request that did not succeed, whether given as an openapi-fetch result or already taken apart. */
export function failureOf(r: FailureSource): HttpFailure {
  if (!('response' in r)) return r;
  return { status: r.response.status, contentType: r.response.headers.get('content-type') ?? '', body: r.error === '' ? undefined : r.error };
}

interface ProblemLike {
  title?: unknown;
  status?: unknown;
  detail?: unknown;
  violations?: unknown;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The one-line reason the server gave, whatever the body shape (problem, `{error}`, `{message}`, `{errors}`, text). */
export function reasonOf(src: FailureSource): string | undefined {
  const b = failureOf(src).body;
  if (typeof b === 'string') return b.trim() ? b.trim().slice(0, 2000) : undefined;
  if (!isRecord(b)) return undefined;
  if (typeof b.detail === 'string' && b.detail) return b.detail;
  if (typeof b.error === 'string') return b.error;
  if (typeof b.message === 'string') return b.message;
  if (Array.isArray(b.errors)) return b.errors.map(String).join('; ');
  return undefined;
}

/**
 * `<context>: <title> (<status>)` followed by `  * <property_path>: <message> [<code>]` for each violation, or
 * `  <detail>` when there are none (problem+json); else `<context>: <status>` and the body (≤ 2000 chars).
 */
export function formatHttpFailure(context: string, src: FailureSource): string {
  const f = failureOf(src);
  const b = f.body;
  const isProblem = f.contentType.includes('application/problem+json') || (isRecord(b) && typeof b.title === 'string' && 'status' in b);
  if (isProblem && isRecord(b)) {
    const p = b as ProblemLike;
    const lines = [`${context}: ${typeof p.title === 'string' ? p.title : 'Error'} (${f.status})`];
    const violations = Array.isArray(p.violations) ? p.violations.filter(isRecord) : [];
    if (violations.length > 0) {
      // The code too, so a user can look it up and a script can match it (Ring prints path and message only).
      for (const v of violations) {
        const code = typeof v.code === 'string' && v.code && v.code !== v.message ? ` [${v.code}]` : '';
        lines.push(`  * ${String(v.property_path ?? '')}: ${String(v.message ?? '')}${code}`);
      }
    } else if (typeof p.detail === 'string' && p.detail) {
      for (const l of p.detail.split('\n')) lines.push(`  ${l}`);
    }
    const hint = b.hint;
    if (typeof hint === 'string') lines.push(`  hint: ${hint}`);
    return lines.join('\n');
  }
  let text = '';
  if (typeof b === 'string') text = b;
  else if (b !== undefined) text = JSON.stringify(b);
  text = text.trim();
  if (text.length > 2000) text = `${text.slice(0, 2000)}…`;
  return text ? `${context}: ${f.status}\n${text}` : `${context}: ${f.status}`;
}

/** A failure of a create/apply/login style request: the context line plus the server's reasons. */
export function httpError(context: string, src: FailureSource): CliError {
  const f = failureOf(src);
  return new CliError(formatHttpFailure(context, f), exitCodeForStatus(f.status));
}

const AUTH_HINT = ' (invalid or expired token — run `ring login` or set RING_TOKEN)';

/** A failure acting on one named resource (get, delete, update, …). */
export function resourceError(kind: string, name: string, src: FailureSource, baseUrl: string): CliError {
  const f = failureOf(src);
  const code = exitCodeForStatus(f.status);
  switch (f.status) {
    case 404:
      return new CliError(`error: ${kind} '${name}' not found`, code);
    case 409: {
      const reason = reasonOf(f);
      const hint = isRecord(f.body) && typeof f.body.hint === 'string' ? f.body.hint : undefined;
      const extra = [reason, hint].filter(Boolean).join(' — ');
      return new CliError(`error: ${kind} '${name}' already exists or still has dependents${extra ? `\n  ${extra}` : ''}`, code);
    }
    case 401:
      return new CliError(`error: not authorized to act on ${kind} '${name}'${AUTH_HINT}`, code);
    case 403: {
      const reason = reasonOf(f);
      return new CliError(`error: not authorized to act on ${kind} '${name}'${reason ? ` (${reason})` : ''}`, code);
    }
    case 408:
      return timeoutError(baseUrl);
    default: {
      const reason = reasonOf(f);
      return new CliError(`error: ${kind} '${name}': request failed (${f.status})${reason ? `\n  ${reason}` : ''}`, code);
    }
  }
}

/** A failure listing a kind of resource; `namespace` undefined = a kind that has no namespace. */
export function listError(kind: string, src: FailureSource, baseUrl: string, namespace?: string | null): CliError {
  const f = failureOf(src);
  const code = exitCodeForStatus(f.status);
  if (f.status === 408) return timeoutError(baseUrl);
  if (namespace === undefined) {
    if (f.status === 401) return new CliError(`error: not authorized to list ${kind}${AUTH_HINT}`, code);
    if (f.status === 403) return new CliError(`error: not authorized to list ${kind}`, code);
    const reason = reasonOf(f);
    return new CliError(`error: cannot list ${kind}: request failed (${f.status})${reason ? `\n  ${reason}` : ''}`, code);
  }
  const where = `error: cannot list ${kind} in namespace '${namespace ?? 'all'}'`;
  if (f.status === 401) return new CliError(`${where}: not authorized${AUTH_HINT}`, code);
  if (f.status === 403) return new CliError(`${where}: not authorized`, code);
  if (f.status === 404) return new CliError(`${where}: namespace not found`, code);
  const reason = reasonOf(f);
  return new CliError(`${where}: request failed (${f.status})${reason ? `\n  ${reason}` : ''}`, code);
}

export function timeoutError(baseUrl: string): CliError {
  return new CliError(`error: the server at ${baseUrl} did not respond in time (timeout)`, EXIT.CONNECTION);
}

const CONNECTION_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
};

function errorCode(e: unknown): string | undefined {
  if (!isRecord(e) && !(e instanceof Error)) return undefined;
  const r = e as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof r.code === 'string') return r.code;
  if (Array.isArray(r.errors)) for (const inner of r.errors) { const c = errorCode(inner); if (c) return c; }
  if (r.cause !== undefined) return errorCode(r.cause);
  return undefined;
}

/** Turns what fetch threw into the one line §11.3 prescribes. */
export function connectionError(baseUrl: string, e: unknown): CliError {
  if (e instanceof CliError) return e;
  const name = (e as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return timeoutError(baseUrl);
  const code = errorCode(e);
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return timeoutError(baseUrl);
  if (code) {
    const reason = CONNECTION_REASONS[code] ?? code;
    return new CliError(`error: cannot reach the server at ${baseUrl} — is it running? (${reason})`, EXIT.CONNECTION);
  }
  if (e instanceof TypeError && !/fetch failed/i.test(e.message)) {
    return new CliError(`error: could not send the request to ${baseUrl} (malformed request)`, EXIT.GENERAL);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new CliError(`error: cannot reach the server at ${baseUrl} — is it running? (${msg})`, EXIT.CONNECTION);
}

export const NO_ACCOUNT = 'Error: Auth error: Account not found. Login first or set RING_TOKEN';
