// /tokens: the caller's personal access tokens (RING.md §3.6). Sessions (POST /login) are not PATs and
// never appear here. A caller restricted to namespaces sees and manages only tokens restricted to a
// subset of its own namespaces: otherwise rotating an unrestricted token would hand it a way out.
import type { TokenRow } from '../store/tokens.js';
import { validateToken } from '../domain/validate-token.js';
import { callerOf, json, noContent, type Caller, type Ctx, type Handler } from './context.js';
import { Problem, conflict, notFound } from './problem.js';
import { ALL_SCOPES, mintToken } from './tokens.js';
import { audit } from './audit.js';

const SHOWN_ONCE = 'Copy this token now — it will not be shown again.';

export function tokenView(t: TokenRow) {
  return {
    id: t.id, name: t.name, token_prefix: t.token_prefix, scopes: t.scopes, namespaces: t.namespaces,
    created_at: t.created_at, expire_at: t.expire_at, last_used_at: t.last_used_at, revoked_at: t.revoked_at,
  };
}

function createdView(t: TokenRow, token: string) {
  return {
    id: t.id, name: t.name, token, token_prefix: t.token_prefix, scopes: t.scopes, namespaces: t.namespaces,
    created_at: t.created_at, expire_at: t.expire_at, message: SHOWN_ONCE,
  };
}

/** The namespace (or "every namespace") a namespace-restricted caller may not reach with these, if any. */
function outsideOf(caller: Caller, namespaces: string[]): string | null {
  if (caller.namespaces.length === 0) return null;
  if (namespaces.length === 0) return 'every namespace';
  const ns = namespaces.find((n) => !caller.namespaces.includes(n));
  return ns === undefined ? null : `namespace '${ns}'`;
}

function assertWithin(caller: Caller, namespaces: string[]): void {
  const outside = outsideOf(caller, namespaces);
  if (outside) throw new Problem(403, `token is not scoped to ${outside}`);
}

function loadOwned(ctx: Ctx<'getToken'> | Ctx<'revokeToken'> | Ctx<'rotateToken'>): TokenRow {
  const caller = callerOf(ctx);
  const t = ctx.services.store.tokens.get(ctx.params.id);
  if (!t || t.user_id !== caller.user.id || t.kind !== 'pat') throw notFound('token not found');
  assertWithin(caller, t.namespaces);
  return t;
}

export const listTokens: Handler<'listTokens'> = (ctx) => {
  const caller = callerOf(ctx);
  return json(200, ctx.services.store.tokens.listPats(caller.user.id)
    .filter((t) => outsideOf(caller, t.namespaces) === null).map(tokenView));
};

export const getToken: Handler<'getToken'> = (ctx) => json(200, tokenView(loadOwned(ctx)));

export const createToken: Handler<'createToken'> = (ctx) => {
  const caller = callerOf(ctx);
  const checked = validateToken(ctx.body, ALL_SCOPES);
  if (!checked.ok) throw Problem.validation(checked.violations);
  const { name, scopes, namespaces, expireAt } = checked.token;
  assertWithin(caller, namespaces);
  const t = mintToken();
  const { store } = ctx.services;
  const row = store.tx(() => {
    const created = store.tokens.insert({
      user_id: caller.user.id, name, token_hash: t.hash, token_prefix: t.prefix, scopes, namespaces, kind: 'pat', expire_at: expireAt,
    });
    audit(store, caller, 'create', 'token', created.name, null);
    return created;
  });
  return json(201, createdView(row, t.token));
};

export const revokeToken: Handler<'revokeToken'> = (ctx) => {
  const t = loadOwned(ctx);
  const { store } = ctx.services;
  store.tx(() => {
    store.tokens.revoke(t.id);
    if (!t.revoked_at) audit(store, ctx.caller, 'revoke', 'token', t.name, null);
  });
  return noContent();
};

export const rotateToken: Handler<'rotateToken'> = (ctx) => {
  const old = loadOwned(ctx);
  // A replacement of a dead token would bring it back to life.
  if (old.revoked_at) throw conflict(`token '${old.id}' is revoked; create a new one`);
  if (old.expire_at && Date.parse(old.expire_at) <= Date.now()) throw conflict(`token '${old.id}' has expired; create a new one`);
  const { store } = ctx.services;
  const t = mintToken();
  const row = store.tx(() => {
    store.tokens.revoke(old.id);
    audit(store, ctx.caller, 'rotate', 'token', old.name, null);
    return store.tokens.insert({
      user_id: old.user_id, name: old.name, token_hash: t.hash, token_prefix: t.prefix, scopes: old.scopes,
      namespaces: old.namespaces, kind: 'pat', expire_at: old.expire_at,
    });
  });
  return json(201, createdView(row, t.token));
};
