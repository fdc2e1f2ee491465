// The typed client every consumer (CLI, gitops, TUI, CI scripts) uses: openapi-fetch over the generated paths.
import createFetchClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../../generated/openapi.js';

export type { paths, components, operations } from '../../generated/openapi.js';

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  /** Per-request time limit; the CLI turns an abort into "did not respond in time". */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createClient(opts: ClientOptions) {
  const client = createFetchClient<paths>({
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    fetch: opts.fetch,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  const auth: Middleware = {
    onRequest({ request }) {
      if (opts.token) request.headers.set('Authorization', `Bearer ${opts.token}`);
      return request;
    },
  };
  client.use(auth);
  if (opts.timeoutMs) {
    const limit = opts.timeoutMs;
    client.use({
      onRequest({ request }) {
        return new Request(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(limit)].filter(Boolean)) });
      },
    });
  }
  return client;
}

export type RingClient = ReturnType<typeof createClient>;
