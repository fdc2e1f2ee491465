// Where the TUI gets its data: three calls of the typed client, behind an interface so that the
// view can be driven by a fake in tests.
import { failureOf, send, type Session } from '../src/client/session.js';
import { listError, resourceError } from '../src/client/errors.js';
import type { Deployment, DeploymentEvent } from './format.js';

export interface TuiSource {
  /** Label for the header: the server and namespace shown. */
  readonly description: string;
  list(signal?: AbortSignal): Promise<Deployment[]>;
  events(id: string, signal?: AbortSignal): Promise<DeploymentEvent[]>;
  remove(id: string): Promise<void>;
}

/** Rejections carry the CLI's one-line error messages (connection refused, not authorized, …). */
export function clientSource(session: Pick<Session, 'client' | 'baseUrl'>, namespace?: string): TuiSource {
  const { client, baseUrl } = session;
  return {
    description: `${baseUrl} — namespace: ${namespace ?? 'all'}`,
    async list(signal) {
      const r = await send(session, client.GET('/deployments', {
        params: { query: namespace ? { namespace: [namespace] } : {} },
        signal,
      }));
      if (!r.response.ok || !r.data) throw listError('deployments', failureOf(r), baseUrl, namespace ?? null);
      return r.data;
    },
    async events(id, signal) {
      const r = await send(session, client.GET('/deployments/{id}/events', { params: { path: { id }, query: { limit: 20 } }, signal }));
      if (!r.response.ok || !r.data) throw resourceError('deployment', id, failureOf(r), baseUrl);
      return r.data;
    },
    async remove(id) {
      const r = await send(session, client.DELETE('/deployments/{id}', { params: { path: { id } } }));
      if (!r.response.ok) throw resourceError('deployment', id, failureOf(r), baseUrl);
    },
  };
}
