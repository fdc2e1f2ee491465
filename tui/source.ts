// Where the TUI gets its data: the typed client (and a plain fetch for the log stream), behind an
// interface so that the view can be driven by a fake in tests. Every failure is a SourceError
// saying what kind it is (server away, token lacks a scope, …).
import { createParser } from 'eventsource-parser';
import { CliError, EXIT, type RingClient, type components } from '../src/client/index.js';
import type { Deployment, DeploymentEvent } from './format.js';
import type { HealthCheckResult } from './gate.js';
import { SourceError, httpProblem } from './problems.js';
import { watchDeployments } from '../src/client/watch.js';

export type LogLine = components['schemas']['LogLine'];

export interface TuiSource {
  readonly server: string;
  readonly context: string;
  list(namespace: string | undefined, signal?: AbortSignal): Promise<Deployment[]>;
  get(id: string, signal?: AbortSignal): Promise<Deployment>;
  events(id: string, signal?: AbortSignal): Promise<DeploymentEvent[]>;
  healthChecks(id: string, limit: number, signal?: AbortSignal): Promise<HealthCheckResult[]>;
  remove(id: string): Promise<void>;
  /**
   * Follows the push stream of deployment changes: `onList` gets the whole list after the initial
   * snapshot and after every change. Resolves when the stream ends, rejects when it breaks.
   * Optional: a source without it is polled.
   */
  watch?(namespace: string | undefined, signal: AbortSignal, onList: (list: Deployment[]) => void): Promise<void>;
  /** Follows the logs (of one instance when `container` is set) until the signal aborts; resolves when the stream ends. */
  followLogs(id: string, opts: { container?: string; tail: number; signal: AbortSignal }, onLine: (l: LogLine) => void): Promise<void>;
}

export interface SourceSession {
  client: RingClient;
  baseUrl: string;
  token?: string;
  context: string;
}

function reasonOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 300) || undefined;
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    for (const k of ['detail', 'error', 'message', 'title']) if (typeof b[k] === 'string' && b[k]) return b[k] as string;
  }
  return undefined;
}

const NET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable', ENOTFOUND: 'host not found', EAI_AGAIN: 'host not found', UND_ERR_SOCKET: 'connection closed',
};

function codeOf(e: unknown): string | undefined {
  const r = e as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined;
  if (!r || typeof r !== 'object') return undefined;
  if (typeof r.code === 'string') return r.code;
  for (const inner of r.errors ?? []) { const c = codeOf(inner); if (c) return c; }
  return r.cause === undefined ? undefined : codeOf(r.cause);
}

/** A thrown fetch (no answer at all) as an `unreachable` SourceError; aborts pass through. */
export function networkProblem(e: unknown): unknown {
  const name = (e as { name?: string })?.name;
  if (name === 'AbortError') return e;
  if (name === 'TimeoutError') return new SourceError('unreachable', 'no answer in time');
  // The client's middleware already turned it into the CLI's one line: keep its reason.
  if (e instanceof CliError) {
    if (e.exitCode !== EXIT.CONNECTION) return e;
    const reason = /\(([^()]+)\)\s*$/.exec(e.message)?.[1] ?? e.message.replace(/^error:\s*/i, '');
    return new SourceError('unreachable', /did not respond in time/.test(e.message) ? 'no answer in time' : reason);
  }
  const code = codeOf(e);
  return new SourceError('unreachable', code ? NET_REASONS[code] ?? code : e instanceof Error ? e.message : String(e));
}

async function call<T>(action: string, p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let r;
  try {
    r = await p;
  } catch (e) {
    throw networkProblem(e);
  }
  if (!r.response.ok || r.data === undefined) throw httpProblem(action, r.response.status, reasonOf(r.error));
  return r.data;
}

export function clientSource(s: SourceSession): TuiSource {
  const { client } = s;
  return {
    server: s.baseUrl,
    context: s.context,
    list: (namespace, signal) => call('list deployments', client.GET('/deployments', {
      params: { query: namespace ? { namespace: [namespace] } : {} }, signal,
    })),
    get: (id, signal) => call(`get deployment ${id}`, client.GET('/deployments/{id}', { params: { path: { id } }, signal })),
    events: (id, signal) => call(`read the events of ${id}`, client.GET('/deployments/{id}/events', { params: { path: { id }, query: { limit: 20 } }, signal })),
    healthChecks: (id, limit, signal) => call(`read the health checks of ${id}`, client.GET('/deployments/{id}/health-checks', {
      params: { path: { id }, query: { limit } }, signal,
    })),
    async remove(id) {
      let r;
      try {
        r = await client.DELETE('/deployments/{id}', { params: { path: { id } } });
      } catch (e) {
        throw networkProblem(e);
      }
      if (!r.response.ok) throw httpProblem(`delete deployment ${id}`, r.response.status, reasonOf(r.error));
    },
    async watch(namespace, signal, onList) {
      const byId = new Map<string, Deployment>();
      let synced = false;
      try {
        for await (const ev of watchDeployments(client, { ...(namespace ? { namespace: [namespace] } : {}), events: false, signal, baseUrl: s.baseUrl })) {
          if (ev.type === 'deployment') byId.set(ev.deployment.id, ev.deployment);
          else if (ev.type === 'removed') byId.delete(ev.id);
          else if (ev.type === 'synced') synced = true;
          // The list endpoint's order: oldest first.
          if (synced) onList([...byId.values()]);
        }
      } catch (e) {
        throw e instanceof CliError && e.exitCode !== EXIT.CONNECTION ? e : networkProblem(e);
      }
    },
    async followLogs(id, opts, onLine) {
      // A plain fetch: the client's per-request timeout would cut a stream that is meant to stay open.
      const q = new URLSearchParams({ follow: 'true', tail: String(opts.tail) });
      if (opts.container) q.set('container', opts.container);
      let res: Response;
      try {
        res = await fetch(`${s.baseUrl.replace(/\/+$/, '')}/deployments/${encodeURIComponent(id)}/logs?${q}`, {
          headers: { Accept: 'text/event-stream', ...(s.token ? { Authorization: `Bearer ${s.token}` } : {}) },
          signal: opts.signal,
        });
      } catch (e) {
        throw networkProblem(e);
      }
      if (!res.ok || !res.body) {
        const text = await res.text().catch(() => '');
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* text */ }
        throw httpProblem(`read the logs of ${id}`, res.status, reasonOf(body));
      }
      const parser = createParser({
        onEvent(ev) {
          try {
            onLine(JSON.parse(ev.data) as LogLine);
          } catch { /* a malformed event is skipped */ }
        },
      });
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch (e) {
        if ((e as { name?: string })?.name !== 'AbortError') throw networkProblem(e);
      }
    },
  };
}
