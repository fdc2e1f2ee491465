// The typed client every consumer (CLI, gitops, TUI, CI scripts) uses: openapi-fetch over the generated paths.
// Cross-cutting behaviour lives in middleware, not in wrappers around each call: the bearer token, the
// per-request time limit, and turning what fetch throws (refused, reset, timed out) into one CliError line.
import createFetchClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../../generated/openapi.js';
import { connectionError } from './errors.js';

export type { paths, components, operations } from '../../generated/openapi.js';
export {
  CliError, RingError, EXIT, failureOf, formatHttpFailure, httpError, listError, resourceError, reasonOf, exitCodeForStatus,
  connectionError, timeoutError, type FetchResult, type HttpFailure, type FailureSource,
} from './errors.js';

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  /** Per-request time limit; an abort becomes "did not respond in time". Streams pass none. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Bearer token on every request. */
function authMiddleware(token: string): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
  };
}

function timeoutMiddleware(limit: number): Middleware {
  return {
    onRequest({ request }) {
      return new Request(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(limit)].filter(Boolean)) });
    },
  };
}

/** A network failure or timeout is thrown as the one-line CliError naming the server (exit code 3). */
function connectionMiddleware(baseUrl: string): Middleware {
  return {
    onError({ error }) {
      return connectionError(baseUrl, error);
    },
  };
}

export function createClient(opts: ClientOptions) {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const client = createFetchClient<paths>({
    baseUrl,
    fetch: opts.fetch,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  if (opts.token) client.use(authMiddleware(opts.token));
  if (opts.timeoutMs) client.use(timeoutMiddleware(opts.timeoutMs));
  client.use(connectionMiddleware(baseUrl));
  return client;
}

export type RingClient = ReturnType<typeof createClient>;
