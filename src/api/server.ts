// The hapi server: one route per operation of the generated route table, with auth, validation,
// a handler timeout and problem+json rendering around every handler.
import Hapi, { type Request, type ResponseToolkit, type ResponseObject, type Lifecycle } from '@hapi/hapi';
import { routes, type RouteDef, type OperationId } from '../../generated/routes.js';
import type { Handlers, Services, Reply, Caller } from './context.js';
import { Problem, badRequest, conflictProblem, problemTitle } from './problem.js';
import { ConflictError } from '../store/conflict.js';
import { storageFault } from '../store/storage-fault.js';
import { authenticate } from './authenticate.js';
import { logInfoDirect } from '../logger.js';
import { assertNoBody, bodyProblem, compileRoute, normalizeQuery, parseJsonBody, toViolations, type RouteValidators } from './request-validation.js';

export const HANDLER_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface RouteApp { def: RouteDef; validators: RouteValidators }

function isReply(x: unknown): x is Reply {
  return !!x && typeof x === 'object' && typeof (x as Reply).status === 'number' && !('request' in (x as object));
}

function onHandlerTimeout(reject: (e: Problem) => void, ms: number): void {
  reject(new Problem(408, `the request did not complete within ${ms / 1000} s`));
}

/** `p`, or a 408 problem after `ms`. One promise and one timer a request (not race() + finally()). */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(onHandlerTimeout, ms, reject, ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}

export function problemResponse(h: ResponseToolkit, p: Problem): ResponseObject {
  return h.response(p.body()).code(p.status).type('application/problem+json');
}

export async function createApiServer(opts: {
  host: string; port: number; services: Services; handlers: Handlers; handlerTimeoutMs?: number;
}) {
  const { services, handlers } = opts;
  const handlerTimeoutMs = opts.handlerTimeoutMs ?? HANDLER_TIMEOUT_MS;
  const cors = services.config.current.corsOrigins;
  const server = Hapi.server({
    host: opts.host,
    port: opts.port,
    routes: {
      cors: cors.length ? { origin: cors, headers: ['Authorization', 'Content-Type', 'Accept'], credentials: false } : false,
      payload: { maxBytes: MAX_BODY_BYTES },
    },
  });

  // Per request: the shared services with its own `log` over them (a prototype link, not a copy of
  // every field; no handler spreads or enumerates services). One small object a request: the log
  // getter lives on the prototype, and the child logger is made on first use only.
  class RequestServices {
    readonly #request: Request;
    #log: Services['log'] | undefined;
    constructor(request: Request) { this.#request = request; }
    get log(): Services['log'] { return (this.#log ??= services.log.child({ reqId: this.#request.info.id })); }
  }
  Object.setPrototypeOf(RequestServices.prototype, services);
  const servicesOf = (request: Request): Services => new RequestServices(request) as unknown as Services;

  // Auth runs before the payload is read, so an anonymous caller learns nothing about body validation:
  // on routes that read one (every method but GET), in their own onPreAuth step; a GET reads none,
  // so its handler step authenticates first thing (the same order — nothing runs in between — without
  // an extension call a request).
  const authenticateRoute = (request: Request, def: RouteDef): Caller | null =>
    authenticate(services.store, request, def.scope, def.operationId);

  for (const def of routes as readonly RouteDef[]) {
    const handler = handlers[def.operationId as OperationId] as (ctx: unknown) => unknown;
    const validators = compileRoute(def);
    const authInHandler = def.method === 'GET';
    const run: Lifecycle.Method = async (request, h) => {
      const caller = authInHandler ? authenticateRoute(request, def) : (request.app as { caller?: Caller | null }).caller ?? null;
      const params = { ...request.params };
      if (validators.params && !validators.params(params)) {
        throw badRequest('invalid path parameters', toViolations('path', validators.params.errors));
      }
      const query = normalizeQuery(request.query as Record<string, unknown>);
      if (validators.query && !validators.query(query)) {
        throw badRequest('invalid query parameters', toViolations('query', validators.query.errors));
      }
      let body: unknown;
      if (def.body) {
        // Raw bytes in: depth and size are checked before JSON.parse (see parseJsonBody).
        body = parseJsonBody(request.payload as Buffer | null | undefined);
        if (body === undefined) {
          if (def.body.required) throw badRequest('a JSON request body is required');
        } else if (validators.body && !validators.body(body)) {
          throw bodyProblem(def.operationId, body, validators.body.errors);
        }
      } else {
        assertNoBody(request.payload);
      }
      // Handlers log through services.log: a child carrying the request id ties their lines to the
      // request's. Made on first use only — most requests log nothing but the access line.
      const ctx = { params, query, body, caller, services: servicesOf(request), request, h };
      const pending = Promise.resolve(handler(ctx));
      const out = def.streaming ? await pending : await withTimeout(pending, handlerTimeoutMs);
      if (!isReply(out)) return out as ResponseObject;
      if (out.status === 204 || out.body === undefined) return h.response().code(out.status);
      const res = h.response(out.body as object).code(out.status);
      return out.contentType ? res.type(out.contentType) : res;
    };
    server.route({
      method: def.method,
      path: def.path,
      options: {
        app: { def, validators } satisfies RouteApp,
        handler: run,
        timeout: { server: false, socket: false },
        ...(authInHandler ? {} : {
          ext: {
            onPreAuth: {
              method: (request: Request, h: ResponseToolkit) => {
                (request.app as { caller?: Caller | null }).caller = authenticateRoute(request, def);
                return h.continue;
              },
            },
          },
        }),
        // JSON only: any other media type is a 415, never silently parsed as a form. hapi hands over
        // the (decompressed) bytes; parseJsonBody bounds their nesting before anything parses them.
        // Operations without a body get the bytes too, so that one sent anyway is refused unparsed.
        ...(def.method !== 'GET' ? { payload: { parse: 'gunzip' as const, output: 'data' as const, ...(def.body ? { allow: ['application/json'] } : {}) } } : {}),
      },
    });
  }

  server.ext('onPreResponse', (request: Request, h: ResponseToolkit) => {
    const res = request.response;
    if (res instanceof Problem) return problemResponse(h, res);
    // A unique constraint no handler translated (a racing write): the state conflicts, the server is fine.
    if (res instanceof ConflictError) return problemResponse(h, conflictProblem(res));
    // ring.db's disk is full or read-only: say so (507/503), the write was rolled back and the server is fine.
    const storage = res instanceof Error ? storageFault(res, services.config.databasePath) : null;
    if (storage) {
      services.log.error({ reqId: request.info.id, fault: storage.kind, err: storage.message }, 'request refused: database storage fault');
      return problemResponse(h, new Problem(storage.status, storage.message));
    }
    if (res && 'isBoom' in res && res.isBoom) {
      const status = res.output.statusCode;
      if (status >= 500) services.log.error({ reqId: request.info.id, err: res }, 'request failed');
      const detail = status >= 500 ? 'internal error (see the server log)' : String(res.output.payload.message ?? problemTitle(status));
      const violations = (res.data as { violations?: unknown })?.violations;
      const p = res instanceof Error && (res as unknown as { problem?: Problem }).problem;
      return problemResponse(h, p || new Problem(status, detail, Array.isArray(violations) ? violations : []));
    }
    return h.continue;
  });

  // The access log: one line a request, the same fields as ever (reqId, method, path, status, ms).
  server.events.on('response', (request: Request) => {
    if (!services.log.isLevelEnabled('info')) return;
    const res = request.response as ResponseObject | null;
    const status = res && typeof res === 'object' && 'statusCode' in res ? res.statusCode : undefined;
    logInfoDirect(services.log, { reqId: request.info.id, method: request.method.toUpperCase(), path: request.path, status,
      ms: Date.now() - request.info.received }, 'request');
  });

  return server;
}
