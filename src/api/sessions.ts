// POST /login mints a session token scoped by the user's role; POST /logout revokes the presented one.
import { callerOf, json, noContent, type Handler } from './context.js';
import { unauthorized } from './problem.js';
import { verifyPassword } from './passwords.js';
import { mintToken, roleScopes } from './tokens.js';

export const login: Handler<'login'> = async ({ body, services: { store } }) => {
  const user = store.users.byUsername(body.username);
  // Verify even for unknown users would cost time for nothing: the answer is the same 401 either way.
  if (!user || user.status !== 'active' || !(await verifyPassword(body.password, user.password))) {
    throw unauthorized('invalid credentials');
  }
  const t = mintToken();
  store.tx(() => {
    store.tokens.insert({
      user_id: user.id, name: 'session', token_hash: t.hash, token_prefix: t.prefix,
      scopes: roleScopes(user.role), namespaces: [], kind: 'session', expire_at: null,
    });
    store.users.touchLogin(user.id);
  });
  return json(200, { token: t.token });
};

export const logout: Handler<'logout'> = (ctx) => {
  ctx.services.store.tokens.revoke(callerOf(ctx).token.id);
  return noContent();
};
