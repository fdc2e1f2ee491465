// Namespaces: created explicitly or on first use by a deployment; deleted only when empty.
import type { NamespaceRow } from '../store/namespaces.js';
import { validateNamespaceName } from '../domain/validate-deployment.js';
import { json, noContent, type Handler } from './context.js';
import { Problem, conflict, notFound, onConflict } from './problem.js';
import { assertNamespace } from './authenticate.js';
import { audit } from './audit.js';

const view = (n: NamespaceRow) => ({ id: n.id, name: n.name, created_at: n.created_at, updated_at: n.updated_at });

export const listNamespaces: Handler<'listNamespaces'> = ({ services, caller }) =>
  json(200, services.store.namespaces.list()
    .filter((n) => !caller || caller.namespaces.length === 0 || caller.namespaces.includes(n.name)).map(view));

export const getNamespace: Handler<'getNamespace'> = ({ params, services, caller }) => {
  const ns = services.store.namespaces.byIdOrName(params.id);
  if (!ns) throw notFound(`namespace '${params.id}' not found`);
  assertNamespace(caller, ns.name);
  return json(200, view(ns));
};

export const createNamespace: Handler<'createNamespace'> = ({ body, services, caller }) => {
  const violations = validateNamespaceName(body.name, 'namespace');
  if (violations.length) throw Problem.validation(violations);
  assertNamespace(caller, body.name);
  const taken = () => conflict(`namespace '${body.name}' already exists`);
  const { store } = services;
  if (store.namespaces.byName(body.name)) throw taken();
  const row = onConflict(() => store.tx(() => {
    const created = store.namespaces.insert(body.name);
    audit(store, caller, 'create', 'namespace', created.name, created.name);
    return created;
  }), taken);
  return json(201, view(row));
};

export const deleteNamespace: Handler<'deleteNamespace'> = ({ params, services, caller }) => {
  const { store } = services;
  const ns = store.namespaces.byIdOrName(params.id);
  if (!ns) throw notFound(`namespace '${params.id}' not found`);
  assertNamespace(caller, ns.name);
  const remaining = store.namespaces.dependents(ns.name);
  if (remaining > 0) {
    throw conflict('namespace is not empty', { remaining, hint: 'delete its deployments, secrets and configs first' });
  }
  store.tx(() => {
    // Named volumes are registry rows only: the runtime's data outlives the namespace.
    store.volumes.removeNamespace(ns.name);
    store.namespaces.remove(ns.id);
    // As Ring: the namespace's trail goes with it, then its deletion is the one row left.
    store.audit.purgeNamespace(ns.name);
    audit(store, caller, 'delete', 'namespace', ns.name, ns.name);
  });
  return noContent();
};
