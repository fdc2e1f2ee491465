// Spans for the server's own work (reconcile passes and actions). Through the OpenTelemetry API:
// while trace export is off no provider is registered and these are no-op spans (no allocation
// beyond the call), so callers never check whether tracing is on.
import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

export const TRACER_NAME = 'ring';

/** Runs `fn` inside a span named `name`; a throw or a `false` result marks the span as an error. */
export async function traced<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      const result = await fn(span);
      if (result === false) span.setStatus({ code: SpanStatusCode.ERROR, message: `${name} did not complete` });
      return result;
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
