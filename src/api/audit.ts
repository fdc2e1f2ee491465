// The audit trail as the API writes and reads it. Handlers call audit() inside the store transaction of
// the change itself, so the trail and the state can never disagree.
import type { Store } from '../store/index.js';
import type { AuditAction, AuditTarget } from '../store/audit.js';
import type { Caller, Handler } from './context.js';
import { json } from './context.js';
import { notFound } from './problem.js';
import { assertNamespace } from './authenticate.js';

export function audit(store: Store, caller: Caller | null, action: AuditAction, target: AuditTarget, name: string, namespace: string | null): void {
  store.audit.insert({
    user_id: caller?.user.id ?? null, username: caller?.user.username ?? null,
    action, target_type: target, target_name: name, namespace,
  });
}

export const listNamespaceAudit: Handler<'listNamespaceAudit'> = ({ params, query, services, caller }) => {
  const ns = services.store.namespaces.byName(params.name);
  if (!ns) throw notFound(`namespace '${params.name}' not found`);
  // Ring lets any namespaces:read token read any namespace's trail (RING §14); here it is confined like the rest.
  assertNamespace(caller, ns.name);
  return json(200, services.store.audit.listNamespace(ns.name, query.limit ?? 100));
};
