// The push stream of deployment changes (GET /deployments/events), as an async iterator of typed events.
// Used by `ring apply --wait`, `ring deployment wait`, `ring deployment events -f`, the TUI and CI scripts.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { CliError, EXIT, listError } from './errors.js';
import type { components, RingClient } from './index.js';

type Deployment = components['schemas']['Deployment'];
type DeploymentEvent = components['schemas']['DeploymentEvent'];

export type DeploymentStreamEvent =
  | { type: 'deployment'; deployment: Deployment }
  | { type: 'removed'; id: string; namespace: string; name: string }
  | { type: 'event'; event: DeploymentEvent }
  /** The initial snapshot is complete: every matching deployment has been sent once. */
  | { type: 'synced' };

export interface WatchOptions {
  namespace?: string[];
  ids?: string[];
  /** Keep the stream open for changes (default true). */
  follow?: boolean;
  /** Also stream new deployment events (default true). */
  events?: boolean;
  signal?: AbortSignal;
  /** The URL errors name (default: the one the client was made with is unknown to it). */
  baseUrl?: string;
}

function decode(m: EventSourceMessage): DeploymentStreamEvent | null {
  const data = m.data ? (JSON.parse(m.data) as Record<string, unknown>) : {};
  switch (m.event) {
    case 'deployment': return { type: 'deployment', deployment: data as unknown as Deployment };
    case 'removed': return { type: 'removed', id: String(data.id), namespace: String(data.namespace), name: String(data.name) };
    case 'event': return { type: 'event', event: data as unknown as DeploymentEvent };
    case 'synced': return { type: 'synced' };
    default: return null; // a kind this client does not know yet
  }
}

/**
 * Opens the stream and yields its events until it ends (follow=false, or the server closed it) or
 * `signal` aborts (then it just returns). An HTTP refusal throws the list-style CliError; a broken
 * connection throws a CliError with exit code 3. Reconnecting is the caller's choice: a new stream
 * starts with a fresh snapshot, so no change is lost by reconnecting.
 */
export async function* watchDeployments(client: RingClient, opts: WatchOptions = {}): AsyncGenerator<DeploymentStreamEvent> {
  const query: { namespace?: string[]; id?: string[]; follow?: boolean; events?: boolean } = { follow: opts.follow !== false };
  if (opts.namespace?.length) query.namespace = opts.namespace;
  if (opts.ids?.length) query.id = opts.ids;
  if (opts.events === false) query.events = false;
  const baseUrl = opts.baseUrl ?? 'the server';
  let r;
  try {
    r = await client.GET('/deployments/events', {
      params: { query },
      // identity: a compressed event stream would sit in a compressor instead of arriving change by change.
      headers: { Accept: 'text/event-stream', 'Accept-Encoding': 'identity' },
      parseAs: 'stream',
      signal: opts.signal,
    });
  } catch (e) {
    if (opts.signal?.aborted) return;
    throw e;
  }
  if (!r.response.ok || !r.data) throw listError('deployments', r, baseUrl, opts.namespace?.length ? opts.namespace.join(',') : null);
  const queue: DeploymentStreamEvent[] = [];
  const parser = createParser({
    onEvent(m) {
      const e = decode(m);
      if (e) queue.push(e);
    },
  });
  const reader = (r.data as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (opts.signal?.aborted) return;
        throw new CliError(`error: the deployment stream from ${baseUrl} broke: ${(e as Error).message}`, EXIT.CONNECTION);
      }
      if (chunk.done) break;
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      while (queue.length) yield queue.shift()!;
    }
    parser.feed(decoder.decode());
    while (queue.length) yield queue.shift()!;
  } finally {
    reader.cancel().catch(() => {});
  }
}
