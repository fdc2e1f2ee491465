// Named volumes: a registry of the volumes deployments mount. Rows are created explicitly or
// when a deployment first mounts the name; deleting a row never deletes the runtime's data.
import type { VolumeRow } from '../store/volumes.js';
import type { Store } from '../store/index.js';
import type { DeploymentSpec } from '../domain/deployment.js';
import { validateVolume } from '../domain/validate-stored-objects.js';
import { usesVolume } from '../domain/references.js';
import { json, noContent, type Ctx, type Handler } from './context.js';
import { Problem, conflict, notFound, onConflict } from './problem.js';
import { assertNamespace, namespaceVisible } from './authenticate.js';
import { audit } from './audit.js';
import { refuseDeleteWhileUsed } from './refuse-in-use.js';

const view = (v: VolumeRow) => ({
  id: v.id, created_at: v.created_at, updated_at: v.updated_at, namespace: v.namespace, name: v.name,
  size: v.size, backend_type: v.backend_type, host_path: v.host_path, labels: v.labels,
});

function loadVolume(ctx: Ctx<'getVolume'> | Ctx<'deleteVolume'>): VolumeRow {
  const v = ctx.services.store.volumes.get(ctx.params.id);
  if (!v) throw notFound(`volume '${ctx.params.id}' not found`);
  assertNamespace(ctx.caller, v.namespace);
  return v;
}

export const listVolumes: Handler<'listVolumes'> = ({ query, services, caller }) =>
  json(200, services.store.volumes.list(query.namespace).filter((v) => namespaceVisible(caller, v.namespace)).map(view));

export const getVolume: Handler<'getVolume'> = (ctx) => json(200, view(loadVolume(ctx)));

export const createVolume: Handler<'createVolume'> = ({ body, services, caller }) => {
  const violations = validateVolume(body);
  if (violations.length) throw Problem.validation(violations);
  assertNamespace(caller, body.namespace);
  const { store } = services;
  if (!store.namespaces.byName(body.namespace)) throw notFound(`namespace '${body.namespace}' does not exist`);
  const duplicate = () => conflict(`volume '${body.name}' already exists in namespace '${body.namespace}'`);
  if (store.volumes.byName(body.namespace, body.name)) throw duplicate();
  const row = onConflict(() => store.tx(() => {
    const created = store.volumes.insert({
      namespace: body.namespace, name: body.name, size: body.size ?? null, backend_type: body.backend_type ?? 'local', labels: body.labels ?? {},
    });
    audit(store, caller, 'create', 'volume', created.name, created.namespace);
    return created;
  }), duplicate);
  return json(201, { id: row.id, created_at: row.created_at, namespace: row.namespace, name: row.name, backend_type: row.backend_type });
};

export const deleteVolume: Handler<'deleteVolume'> = (ctx) => {
  const v = loadVolume(ctx);
  const { store } = ctx.services;
  refuseDeleteWhileUsed(store, 'volume', v, usesVolume, ctx.query.force);
  store.tx(() => {
    store.volumes.remove(v.id);
    audit(store, ctx.caller, 'delete', 'volume', v.name, v.namespace);
  });
  return noContent();
};

/**
 * Registers the named volumes a new deployment mounts (RING §3.5 "auto-registered"), inside the
 * caller's transaction; names already registered are left as they are.
 */
export function registerMountedVolumes(store: Store, spec: DeploymentSpec): void {
  const backend = spec.runtime === 'cloud-hypervisor' ? 'directory' : 'local';
  for (const v of spec.volumes) {
    if (v.type !== 'volume' || !v.source) continue;
    store.volumes.ensure({
      namespace: spec.namespace, name: v.source, backend_type: backend,
      labels: { 'ring.managed': 'true', 'ring.namespace': spec.namespace, 'ring.deployment': spec.name },
    });
  }
}
