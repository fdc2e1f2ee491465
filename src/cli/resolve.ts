// `ring deployment … ID|NAMESPACE/NAME` (or `-n NS NAME`): which deployment a reference means.
import type { components } from '../client/index.js';
import { CliError, EXIT, listError } from '../client/errors.js';
import type { Session } from '../client/session.js';

type Deployment = components['schemas']['Deployment'];

/** `NS/NAME`, or `NAME` with `-n NS`; anything else is an id. */
export function parseRef(ref: string, namespace?: string): { id: string } | { namespace: string; name: string } {
  const slash = ref.indexOf('/');
  if (slash > 0 && slash < ref.length - 1) return { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
  if (namespace) return { namespace, name: ref };
  return { id: ref };
}

/**
 * The deployment that serves a name: among its active (not deleted) rows, the one that is not a rolling
 * child of another active row (during a rollout that is the parent still serving; the child has the id
 * `ring apply` printed). Pure, for tests.
 */
export function servingOf(rows: readonly Deployment[], namespace: string, name: string): Deployment | undefined {
  const mine = rows.filter((d) => d.namespace === namespace && d.name === name && d.status !== 'deleted');
  const ids = new Set(mine.map((d) => d.id));
  const roots = mine.filter((d) => !d.parent_id || !ids.has(d.parent_id));
  return roots[roots.length - 1] ?? mine[mine.length - 1];
}

export async function resolveId(s: Session, ref: string, namespace?: string): Promise<string> {
  const r = parseRef(ref, namespace);
  if ('id' in r) return r.id;
  const list = await s.client.GET('/deployments', { params: { query: { namespace: [r.namespace] } } });
  if (!list.response.ok || !list.data) throw listError('deployments', list, s.baseUrl, r.namespace);
  const d = servingOf(list.data, r.namespace, r.name);
  if (!d) throw new CliError(`error: deployment '${r.namespace}/${r.name}' not found`, EXIT.NOT_FOUND);
  return d.id;
}
