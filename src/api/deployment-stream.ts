// GET /deployments/events: the SSE stream of deployment changes (snapshot, `synced`, then changes with
// follow=true), authorised and namespace-filtered like GET /deployments.
import { PassThrough } from 'node:stream';
import type { Handler } from './context.js';
import { namespaceVisible } from './authenticate.js';
import { feedFor, type FeedChange } from './deployment-feed.js';

const KEEPALIVE_MS = 15_000;

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const watchDeployments: Handler<'watchDeployments'> = async (ctx) => {
  const { caller, query } = ctx;
  const namespaces = query.namespace?.length ? new Set(query.namespace) : null;
  const ids = query.id?.length ? new Set(query.id) : null;
  const withEvents = query.events !== false;
  const wanted = (namespace: string, id: string) =>
    namespaceVisible(caller, namespace) && (!namespaces || namespaces.has(namespace)) && (!ids || ids.has(id));
  const frame = (c: FeedChange): string | null => {
    switch (c.type) {
      case 'deployment': return wanted(c.deployment.namespace, c.deployment.id) ? sse('deployment', c.deployment) : null;
      case 'removed': return wanted(c.namespace, c.id) ? sse('removed', { id: c.id, namespace: c.namespace, name: c.name }) : null;
      case 'event': return withEvents && wanted(c.namespace, c.event.deployment_id) ? sse('event', c.event) : null;
    }
  };

  const feed = feedFor(ctx.services);
  const stream = new PassThrough();
  const snapshot = await feed.current();
  let text = '';
  for (const d of snapshot) if (wanted(d.namespace, d.id)) text += sse('deployment', d);
  text += sse('synced', {});
  stream.write(text);

  if (query.follow !== true) {
    stream.end();
  } else {
    // Subscribed in the same turn as the snapshot was taken: no change falls between the two.
    let ended = false;
    let unsubscribe = () => {};
    const keepalive = setInterval(() => stream.write(': keep-alive\n\n'), KEEPALIVE_MS);
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(keepalive);
      unsubscribe();
      stream.end();
    };
    ctx.request.raw.req.once('close', end);
    // The feed closes when the server stops: the stream ends then (at once if it already has).
    unsubscribe = feed.subscribe((changes) => {
      const out = changes.map(frame).filter((f): f is string => f !== null).join('');
      if (out) stream.write(out);
    }, end);
  }
  // identity: hapi would otherwise gzip the stream and hold changes back until its buffer fills.
  return ctx.h.response(stream).type('text/event-stream').header('content-encoding', 'identity')
    .header('cache-control', 'no-cache').header('referrer-policy', 'no-referrer');
};
