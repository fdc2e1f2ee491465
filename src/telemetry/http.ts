// A span and a duration sample per API request: `<METHOD> <route>` (the route template, e.g.
// /deployments/{id}, never the query string, which may hold a stream ticket), with method, route
// and status as the semantic conventions name them. An incoming W3C traceparent is the parent.
import type { Request, ResponseObject, Server } from '@hapi/hapi';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Histogram, type Span } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { TRACER_NAME } from './trace.js';

/** The operation's route template; undefined for a path no operation serves (a 404). */
function routeOf(request: Request): string | undefined {
  const app = request.route?.settings?.app as { def?: unknown } | undefined;
  return app?.def ? request.route.path : undefined;
}

function statusOf(request: Request): number | undefined {
  const res = request.response as (ResponseObject & { output?: { statusCode?: number } }) | null;
  return res?.statusCode ?? res?.output?.statusCode;
}

export function instrumentHttp(server: Server, opts: { tracing: boolean; duration: Histogram | null }): void {
  const spans = new WeakMap<Request, Span>();
  if (opts.tracing) {
    server.ext('onRequest', (request, h) => {
      const method = request.method.toUpperCase();
      const parent = propagation.extract(context.active(), request.headers);
      const span = trace.getTracer(TRACER_NAME).startSpan(method, {
        kind: SpanKind.SERVER,
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: request.path, 'ring.request_id': request.info.id },
      }, parent);
      spans.set(request, span);
      return h.continue;
    });
  }
  server.events.on('response', (request: Request) => {
    const method = request.method.toUpperCase();
    const route = routeOf(request);
    const status = statusOf(request);
    const attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
      ...(status !== undefined ? { [ATTR_HTTP_RESPONSE_STATUS_CODE]: status } : {}),
    };
    const span = spans.get(request);
    if (span) {
      span.updateName(route ? `${method} ${route}` : method);
      span.setAttributes(attributes);
      if (status === undefined || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, ...(status ? {} : { message: 'no response was sent' }) });
      span.end();
    }
    opts.duration?.record((Date.now() - request.info.received) / 1000, attributes);
  });
}
