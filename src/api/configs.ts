// Configs: named JSON documents whose keys deployments mount as read-only files.
import type { ConfigRow } from '../store/configs.js';
import { validateConfig } from '../domain/validate-stored-objects.js';
import { json, noContent, type Ctx, type Handler } from './context.js';
import { Problem, conflict, notFound, onConflict } from './problem.js';
import { assertNamespace, namespaceVisible } from './authenticate.js';
import { audit } from './audit.js';

const view = (c: ConfigRow) => ({
  id: c.id, created_at: c.created_at, updated_at: c.updated_at, namespace: c.namespace, name: c.name, data: c.data, labels: c.labels,
});

function loadConfig(ctx: Ctx<'getConfig'> | Ctx<'updateConfig'> | Ctx<'deleteConfig'>): ConfigRow {
  const c = ctx.services.store.configs.get(ctx.params.id);
  if (!c) throw notFound(`configuration '${ctx.params.id}' does not exist`);
  assertNamespace(ctx.caller, c.namespace);
  return c;
}

const duplicate = (name: string, namespace: string) => conflict(`configuration '${name}' already exists in namespace '${namespace}'`);

export const listConfigs: Handler<'listConfigs'> = ({ query, services, caller }) =>
  json(200, services.store.configs.list({ namespace: query.namespace, name: query.name })
    .filter((c) => namespaceVisible(caller, c.namespace)).map(view));

export const getConfig: Handler<'getConfig'> = (ctx) => json(200, view(loadConfig(ctx)));

/**
 * As in Ring, neither the namespace's existence nor the JSON of `data` is checked here (manifests
 * may create a config before its namespace); a config whose data is not a JSON object puts the
 * deployments mounting it in `config_error`. PUT, which clients use to fix one, does check.
 */
export const createConfig: Handler<'createConfig'> = ({ body, services, caller }) => {
  const violations = validateConfig(body, { requireJson: false });
  if (violations.length) throw Problem.validation(violations);
  assertNamespace(caller, body.namespace);
  const { store } = services;
  if (store.configs.byName(body.namespace, body.name)) throw duplicate(body.name, body.namespace);
  const row = onConflict(() => store.tx(() => {
    const created = store.configs.insert({ namespace: body.namespace, name: body.name, data: body.data, labels: body.labels ?? '' });
    audit(store, caller, 'create', 'config', created.name, created.namespace);
    return created;
  }), () => duplicate(body.name, body.namespace));
  services.wake();
  return json(201, view(row));
};

export const updateConfig: Handler<'updateConfig'> = (ctx) => {
  const { body, services } = ctx;
  const violations = validateConfig(body, { requireJson: true });
  if (violations.length) throw Problem.validation(violations);
  const current = loadConfig(ctx);
  const { store } = services;
  const other = store.configs.byName(current.namespace, body.name);
  if (other && other.id !== current.id) throw duplicate(body.name, current.namespace);
  const row = onConflict(() => store.tx(() => {
    const replaced = store.configs.replace(current.id, { name: body.name, data: body.data, labels: body.labels ?? '' });
    if (replaced) audit(store, ctx.caller, 'update', 'config', replaced.name, replaced.namespace);
    return replaced;
  }), () => duplicate(body.name, current.namespace));
  if (!row) throw notFound(`configuration '${current.id}' does not exist`);
  services.wake();
  return json(200, view(row));
};

export const deleteConfig: Handler<'deleteConfig'> = (ctx) => {
  const c = loadConfig(ctx);
  const { store } = ctx.services;
  store.tx(() => {
    store.configs.remove(c.id);
    audit(store, ctx.caller, 'delete', 'config', c.name, c.namespace);
  });
  return noContent();
};
