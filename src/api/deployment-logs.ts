// GET /deployments/{id}/logs: the merged logs of a deployment's instances, or a live SSE stream of them.
import { PassThrough } from 'node:stream';
import type { Instance, LogLine, Runtime } from '../runtime/runtime.js';
import type { Deployment } from '../domain/deployment.js';
import { json, type Handler } from './context.js';
import { badRequest, notFound } from './problem.js';
import { assertNamespace } from './authenticate.js';

const KEEPALIVE_MS = 15_000;

/** `30s`, `5m`, `2h` or an RFC 3339 time → unix seconds. */
export function parseSince(since: string | undefined, now = Date.now()): number | undefined {
  if (!since) return undefined;
  const rel = /^(\d+)([smh])$/.exec(since);
  if (rel) return Math.floor(now / 1000) - Number(rel[1]) * { s: 1, m: 60, h: 3600 }[rel[2] as 's' | 'm' | 'h'];
  const t = Date.parse(since);
  if (Number.isNaN(t)) {
    throw badRequest(`invalid since '${since}': use <n>s, <n>m, <n>h or an RFC 3339 time`,
      [{ property_path: 'since', message: 'must be <n>s|m|h or RFC 3339', code: 'request.query.format' }]);
  }
  return Math.floor(t / 1000);
}

function pickInstances(all: Instance[], container: string | undefined): Instance[] {
  if (!container) return all;
  return all.filter((i) => i.id.startsWith(container) || i.name.includes(container));
}

export const getDeploymentLogs: Handler<'getDeploymentLogs'> = async (ctx) => {
  const { store, runtimes, instancesOf } = ctx.services;
  const d = store.deployments.get(ctx.params.id);
  if (!d) return json(200, []); // Ring answers an unknown deployment with no lines
  assertNamespace(ctx.caller, d.namespace);
  if (d.runtime === 'swarm') return swarmLogs(ctx, d);
  const runtime: Runtime | undefined = runtimes.get(d.runtime);
  if (!runtime) throw notFound(`runtime '${d.runtime}' is not enabled on this server`);
  const instances = pickInstances(await instancesOf(d.id), ctx.query.container);
  const sinceSeconds = parseSince(ctx.query.since);
  const tail = ctx.query.tail ?? 100;

  if (ctx.query.follow !== true) {
    const lines: LogLine[] = [];
    for (const inst of instances) {
      for await (const line of runtime.logs(inst.id, { tail, sinceSeconds })) lines.push(line);
    }
    lines.sort((a, b) => (a.timestamp ?? '').localeCompare(b.timestamp ?? ''));
    return json(200, lines.slice(-tail));
  }

  const stream = new PassThrough();
  const abort = new AbortController();
  const keepalive = setInterval(() => stream.write(': keep-alive\n\n'), KEEPALIVE_MS);
  const close = () => {
    clearInterval(keepalive);
    abort.abort();
    stream.end();
  };
  ctx.request.raw.req.once('close', close);
  let open = instances.length;
  if (open === 0) stream.write(': no running instance\n\n');
  for (const inst of instances) {
    void (async () => {
      try {
        for await (const line of runtime.logs(inst.id, { tail, sinceSeconds, follow: true, signal: abort.signal })) {
          stream.write(`data: ${JSON.stringify(line)}\n\n`);
        }
      } catch {
        /* the instance went away or the client left: its part of the stream just ends */
      } finally {
        if (--open === 0 && !abort.signal.aborted) close();
      }
    })();
  }
  // identity: hapi would otherwise gzip the stream and hold lines back until its buffer fills.
  return ctx.h.response(stream).type('text/event-stream').header('content-encoding', 'identity')
    .header('cache-control', 'no-cache').header('referrer-policy', 'no-referrer');
};

/** A Swarm deployment's logs come from the manager (`docker service logs`), across every node. */
async function swarmLogs(ctx: Parameters<Handler<'getDeploymentLogs'>>[0], d: Deployment) {
  const swarm = ctx.services.swarm;
  if (!swarm) throw notFound(`runtime 'swarm' is not enabled on this server`);
  if (ctx.query.follow === true) {
    throw badRequest('follow is not supported for swarm deployments yet: poll with since instead',
      [{ property_path: 'follow', message: 'not supported for runtime swarm', code: 'request.query.unsupported' }]);
  }
  const tail = ctx.query.tail ?? 100;
  return json(200, (await swarm.logs(d, { tail, sinceSeconds: parseSince(ctx.query.since) })).slice(-tail));
}
