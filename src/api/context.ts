// What a handler receives: typed params/query/body from the generated operations, the caller, and the services.
import type { Request, ResponseToolkit, ResponseObject } from '@hapi/hapi';
import type { operations } from '../../generated/openapi.js';
import type { OperationId } from '../../generated/routes.js';
import type { Store } from '../store/index.js';
import type { RingConfig } from '../config.js';
import type { Runtime, Instance, LogLine } from '../runtime/runtime.js';
import type { Deployment } from '../domain/deployment.js';
import type { ServerLogger as Logger } from '../logger.js';
import type { TokenRow } from '../store/tokens.js';
import type { UserRow } from '../store/users.js';
import type { SecretBox } from '../domain/secret-box.js';
import type { RuntimeStatsSnapshot } from '../metrics/runtime-stats.js';

type Op<K extends OperationId> = operations[K];
type Field<T, F extends string> = T extends { [P in F]?: infer V } ? Exclude<V, undefined> : never;
export type PathParams<K extends OperationId> = [Field<Op<K>['parameters'], 'path'>] extends [never] ? Record<string, never> : Field<Op<K>['parameters'], 'path'>;
export type QueryParams<K extends OperationId> = [Field<Op<K>['parameters'], 'query'>] extends [never] ? Record<string, never> : Field<Op<K>['parameters'], 'query'>;
export type JsonBody<K extends OperationId> = Op<K> extends { requestBody?: infer B }
  ? Exclude<B, undefined> extends { content: { 'application/json': infer J } } ? J : undefined
  : undefined;

export interface Caller {
  user: UserRow;
  token: TokenRow;
  scopes: string[];
  /** Empty = every namespace. */
  namespaces: string[];
}

export interface Services {
  store: Store;
  config: RingConfig;
  log: Logger;
  runtimes: Map<string, Runtime>;
  specText: string;
  /** Seals secret values under RING_SECRET_KEY (the API only ever seals; the reconciler opens). */
  secretBox: SecretBox;
  /** Tell the reconciler that a deployment's desired state changed. */
  wake(deploymentId?: string): void;
  /** Observed instances of one deployment (cached briefly: clients poll). */
  instancesOf(deploymentId: string): Promise<Instance[]>;
  /**
   * The same view for many reads at once: one freshness check, then synchronous lookups (list
   * endpoints). The lookup itself while the view is fresh, else a promise of it.
   */
  instancesLookup?(): ((deploymentId: string) => readonly Instance[]) | Promise<(deploymentId: string) => readonly Instance[]>;
  startedAt: number;
  /** The Swarm backend when `[server.runtime.swarm]` is enabled: whole deployments, logs read from the manager. */
  swarm?: { logs(d: Deployment, opts: { tail: number; sinceSeconds?: number }): Promise<LogLine[]> };
  /** Per-deployment resource usage for GET /metrics, refreshed in the background (absent: no such series). */
  runtimeStats?: { snapshot(): RuntimeStatsSnapshot };
}

export interface Ctx<K extends OperationId> {
  params: PathParams<K>;
  query: QueryParams<K>;
  body: JsonBody<K>;
  caller: Caller | null;
  services: Services;
  request: Request;
  h: ResponseToolkit;
}

/** A plain answer; handlers needing streaming return the hapi response object itself. */
export interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
}

export type Handler<K extends OperationId> = (ctx: Ctx<K>) => Promise<Reply | ResponseObject> | Reply | ResponseObject;
export type Handlers = { [K in OperationId]: Handler<K> };

export const json = (status: number, body?: unknown): Reply => ({ status, body });
export const noContent = (): Reply => ({ status: 204 });

/** The caller, for handlers of authenticated routes (the router guarantees one). */
export function callerOf(ctx: { caller: Caller | null }): Caller {
  if (!ctx.caller) throw new Error('authenticated route reached without a caller');
  return ctx.caller;
}
