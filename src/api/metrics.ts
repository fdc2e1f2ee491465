// GET /metrics: public, Prometheus text by default, JSON for `Accept: application/json` (RING.md §10).
import { collectSnapshot, renderPrometheus, PROMETHEUS_CONTENT_TYPE } from '../metrics/exposition.js';
import type { Handler } from './context.js';

/** JSON only when asked for by name: a scraper sending nothing, `*\/*` or the text type gets text. */
function wantsJson(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === 'application/json');
}

export const getMetrics: Handler<'getMetrics'> = async ({ services, request }) => {
  const snapshot = collectSnapshot(services.store, services.runtimeStats?.snapshot());
  if (wantsJson(request.headers.accept as string | undefined)) return { status: 200, body: snapshot, contentType: 'application/json; charset=utf-8' };
  return { status: 200, body: await renderPrometheus(snapshot), contentType: PROMETHEUS_CONTENT_TYPE };
};
