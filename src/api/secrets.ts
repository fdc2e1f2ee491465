// Secrets: write-only values. A value is sealed on the way in and never leaves through the API;
// the reconciler alone opens it, to hand it to a container.
import type { SecretRow } from '../store/secrets.js';
import { validateSecret } from '../domain/validate-stored-objects.js';
import { usesSecret } from '../domain/references.js';
import { json, noContent, type Ctx, type Handler } from './context.js';
import { Problem, conflict, notFound, onConflict } from './problem.js';
import { assertNamespace, namespaceVisible } from './authenticate.js';
import { audit } from './audit.js';
import { refuseDeleteWhileUsed } from './refuse-in-use.js';

const view = (s: SecretRow) => ({ id: s.id, created_at: s.created_at, updated_at: s.updated_at, namespace: s.namespace, name: s.name });

function loadSecret(ctx: Ctx<'getSecret'> | Ctx<'deleteSecret'>): SecretRow {
  const s = ctx.services.store.secrets.get(ctx.params.id);
  if (!s) throw notFound(`secret '${ctx.params.id}' not found`);
  assertNamespace(ctx.caller, s.namespace);
  return s;
}

export const listSecrets: Handler<'listSecrets'> = ({ query, services, caller }) =>
  json(200, services.store.secrets.list(query.namespace).filter((s) => namespaceVisible(caller, s.namespace)).map(view));

export const getSecret: Handler<'getSecret'> = (ctx) => json(200, view(loadSecret(ctx)));

export const createSecret: Handler<'createSecret'> = ({ body, services, caller }) => {
  const violations = validateSecret(body);
  if (violations.length) throw Problem.validation(violations);
  const { store } = services;
  assertNamespace(caller, body.namespace);
  if (!store.namespaces.byName(body.namespace)) throw notFound(`namespace '${body.namespace}' does not exist`);
  const duplicate = () => conflict(`secret '${body.name}' already exists in namespace '${body.namespace}'`);
  if (store.secrets.byName(body.namespace, body.name)) throw duplicate();
  const row = onConflict(() => store.tx(() => {
    const created = store.secrets.insert(body.namespace, body.name, services.secretBox.seal(body.value, body.namespace, body.name));
    audit(store, caller, 'create', 'secret', created.name, created.namespace);
    return created;
  }), duplicate);
  // Deployments waiting for this secret are retried on the next pass; make it now.
  services.wake();
  return json(201, { id: row.id, created_at: row.created_at, namespace: row.namespace, name: row.name });
};

export const deleteSecret: Handler<'deleteSecret'> = (ctx) => {
  const s = loadSecret(ctx);
  const { store } = ctx.services;
  refuseDeleteWhileUsed(store, 'secret', s, usesSecret, ctx.query.force);
  store.tx(() => {
    store.secrets.remove(s.id);
    audit(store, ctx.caller, 'delete', 'secret', s.name, s.namespace);
  });
  return noContent();
};
