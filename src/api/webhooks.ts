// /webhooks: subscribers of the outbound event stream (RING.md §3.6, §7.2). Webhooks are not in
// any namespace and receive events from all of them, so a token restricted to namespaces may list
// them but not create, revoke or read their deliveries (which carry other namespaces' events).
import { randomBytes } from 'node:crypto';
import { validateWebhookInput } from '../domain/webhooks.js';
import type { WebhookRow } from '../store/webhooks.js';
import { callerOf, json, noContent, type Handler } from './context.js';
import { Problem, notFound } from './problem.js';
import { assertUnconfined } from './authenticate.js';
import { audit } from './audit.js';

const SHOWN_ONCE = 'Copy the secret now — it will not be shown again.';

const view = (w: WebhookRow) => ({ id: w.id, url: w.url, events: w.events, created_at: w.created_at, revoked_at: w.revoked_at });

export const generateSecret = (): string => `whsec_${randomBytes(32).toString('hex')}`;

export const listWebhooks: Handler<'listWebhooks'> = ({ services }) => json(200, services.store.webhooks.list().map(view));

export const getWebhook: Handler<'getWebhook'> = ({ params, services }) => {
  const w = services.store.webhooks.get(params.id);
  if (!w) throw notFound('webhook not found');
  return json(200, view(w));
};

export const createWebhook: Handler<'createWebhook'> = (ctx) => {
  const { body, services } = ctx;
  assertUnconfined(callerOf(ctx), 'manage webhooks (they receive events from every namespace)');
  const events = body.events ?? [];
  const violations = validateWebhookInput({ url: body.url, events }, services.config.webhooks);
  if (violations.length) throw Problem.validation(violations);
  const secret = body.secret ? body.secret : generateSecret();
  const { store } = services;
  const w = store.tx(() => {
    const created = store.webhooks.insert({ url: body.url, secret, events });
    audit(store, ctx.caller, 'create', 'webhook', created.url, null);
    return created;
  });
  services.log.info({ webhook: w.id, url: w.url, events: w.events }, 'webhook created');
  return json(201, { id: w.id, url: w.url, events: w.events, secret, created_at: w.created_at, message: SHOWN_ONCE });
};

export const deleteWebhook: Handler<'deleteWebhook'> = (ctx) => {
  const { params, services } = ctx;
  assertUnconfined(callerOf(ctx), 'manage webhooks (they receive events from every namespace)');
  const { store } = services;
  const w = store.webhooks.get(params.id);
  if (!w) throw notFound('webhook not found');
  const cancelled = store.tx(() => {
    if (!store.webhooks.revoke(w.id)) return 0;
    audit(store, ctx.caller, 'delete', 'webhook', w.url, null);
    return store.outbox.cancelPending(w.id, new Date().toISOString());
  });
  if (!w.revoked_at) services.log.info({ webhook: w.id, cancelled_deliveries: cancelled }, 'webhook revoked');
  return noContent();
};

export const listWebhookEvents: Handler<'listWebhookEvents'> = (ctx) => {
  const { params, query, services } = ctx;
  assertUnconfined(callerOf(ctx), "read webhook deliveries (they carry every namespace's events)");
  const w = services.store.webhooks.get(params.id);
  if (!w) throw notFound('webhook not found');
  return json(200, services.store.outbox.listForWebhook(w.id, query.limit ?? 50));
};
