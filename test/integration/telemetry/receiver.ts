// An OTLP/HTTP collector for tests, on 127.0.0.1: accepts POST /v1/traces, /v1/metrics and /v1/logs
// (the JS exporters send JSON; gzip is undone) and keeps every request's decoded body.
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

export type Signal = 'traces' | 'metrics' | 'logs';

export interface Received {
  signal: Signal;
  contentType: string;
  body: any;
}

export interface Receiver {
  /** http://127.0.0.1:<port> (a base URL: the exporters append /v1/<signal>). */
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/v1\/(traces|metrics|logs)$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) {
        res.writeHead(404).end();
        return;
      }
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const contentType = String(req.headers['content-type'] ?? '');
      let body: unknown = raw;
      if (contentType.startsWith('application/json')) body = JSON.parse(raw.toString('utf8'));
      received.push({ signal: m[1] as Signal, contentType, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// OTLP JSON → flat lists, enough to assert on.

type KeyValue = { key: string; value: Record<string, unknown> };

/** An OTLP AnyValue as a plain JS value. */
export function anyValue(v: Record<string, unknown> | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  return v;
}

export function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

export interface FlatSpan { service: unknown; name: string; attributes: Record<string, unknown>; status: number }
export interface FlatMetric { service: unknown; name: string; points: { attributes: Record<string, unknown>; value: unknown }[] }
export interface FlatLog { service: unknown; body: unknown; severity: string; attributes: Record<string, unknown> }

export function spans(r: Receiver): FlatSpan[] {
  return r.received.filter((x) => x.signal === 'traces').flatMap((x) => (x.body.resourceSpans ?? []).flatMap((rs: any) => {
    const service = attributesOf(rs.resource?.attributes)['service.name'];
    return (rs.scopeSpans ?? []).flatMap((ss: any) => (ss.spans ?? []).map((s: any) => ({
      service, name: s.name, attributes: attributesOf(s.attributes), status: s.status?.code ?? 0,
    })));
  }));
}

export function metrics(r: Receiver): FlatMetric[] {
  return r.received.filter((x) => x.signal === 'metrics').flatMap((x) => (x.body.resourceMetrics ?? []).flatMap((rm: any) => {
    const service = attributesOf(rm.resource?.attributes)['service.name'];
    return (rm.scopeMetrics ?? []).flatMap((sm: any) => (sm.metrics ?? []).map((m: any) => {
      const data = m.gauge ?? m.sum ?? m.histogram ?? {};
      return {
        service, name: m.name,
        points: (data.dataPoints ?? []).map((p: any) => ({
          attributes: attributesOf(p.attributes),
          value: p.asInt !== undefined ? Number(p.asInt) : p.asDouble ?? (p.count !== undefined ? Number(p.count) : undefined),
        })),
      };
    }));
  }));
}

export function logRecords(r: Receiver): FlatLog[] {
  return r.received.filter((x) => x.signal === 'logs').flatMap((x) => (x.body.resourceLogs ?? []).flatMap((rl: any) => {
    const service = attributesOf(rl.resource?.attributes)['service.name'];
    return (rl.scopeLogs ?? []).flatMap((sl: any) => (sl.logRecords ?? []).map((l: any) => ({
      service, body: anyValue(l.body), severity: l.severityText, attributes: attributesOf(l.attributes),
    })));
  }));
}
