// Users: CRUD with Ring's validation codes; the last admin is protected.
import type { UserRow, Role } from '../store/users.js';
import type { Violation } from '../domain/deployment.js';
import { callerOf, json, noContent, type Handler } from './context.js';
import { Problem, conflict, forbidden, notFound, badRequest, onConflict } from './problem.js';
import { hashPassword } from './passwords.js';
import { hasScope } from './tokens.js';
import { assertUnconfined } from './authenticate.js';
import { audit } from './audit.js';

const ROLES: Role[] = ['admin', 'operator', 'viewer'];

export function userView(u: UserRow) {
  return { id: u.id, username: u.username, created_at: u.created_at, updated_at: u.updated_at, status: u.status, login_at: u.login_at };
}

function validateUser(fields: { username?: string; password?: string }): Violation[] {
  const v: Violation[] = [];
  if (fields.username !== undefined) {
    if (fields.username.length < 2 || fields.username.length > 50) {
      v.push({ property_path: 'username', message: 'must be 2 to 50 characters long', code: 'user.username.length' });
    }
    if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(fields.username)) {
      v.push({ property_path: 'username', message: "must start with a letter or digit and contain only letters, digits, '.', '-', '_'", code: 'user.username.format' });
    }
  }
  if (fields.password !== undefined && (fields.password.length < 8 || fields.password.length > 128)) {
    v.push({ property_path: 'password', message: 'must be 8 to 128 characters long', code: 'user.password.length' });
  }
  return v;
}

export const listUsers: Handler<'listUsers'> = ({ services }) => json(200, services.store.users.list().map(userView));

export const getCurrentUser: Handler<'getCurrentUser'> = (ctx) => json(200, userView(callerOf(ctx).user));

export const createUser: Handler<'createUser'> = async ({ body, services: { store }, caller }) => {
  assertUnconfined(caller, 'create users');
  const violations = validateUser(body);
  if (violations.length) throw Problem.validation(violations);
  const taken = () => conflict(`user '${body.username}' already exists`);
  if (store.users.byUsername(body.username)) throw taken();
  const passwordHash = await hashPassword(body.password);
  // Another request may have taken the name while the hash was computed.
  const row = onConflict(() => store.tx(() => {
    const created = store.users.insert({ username: body.username, passwordHash, role: 'viewer' });
    audit(store, caller, 'create', 'user', created.username, null);
    return created;
  }), taken);
  return json(201, userView(row));
};

export const updateUser: Handler<'updateUser'> = async (ctx) => {
  const { store } = ctx.services;
  const caller = callerOf(ctx);
  assertUnconfined(caller, 'change users');
  const target = store.users.get(ctx.params.id);
  if (!target) throw notFound(`user '${ctx.params.id}' not found`);
  const { username, password, role } = ctx.body;
  // A new password is a new login with the role's full scopes: a narrower personal token must not reach it.
  if (caller.token.kind === 'pat' && (password !== undefined || username !== undefined) && !hasScope(caller.scopes, 'users:write')) {
    throw forbidden('changing a username or password with a personal access token needs the users:write scope');
  }
  const privileged = target.id !== caller.user.id || role !== undefined;
  if (privileged && !(caller.user.role === 'admin' && hasScope(caller.scopes, 'users:write'))) {
    throw forbidden('changing another account or a role needs role admin and the users:write scope');
  }
  if (role !== undefined && !ROLES.includes(role as Role)) {
    throw badRequest(`Unknown role '${role}' (known: ${ROLES.join(', ')})`, [{ property_path: 'role', message: 'unknown role', code: 'user.role.unknown' }]);
  }
  const violations = validateUser({ username, password });
  if (violations.length) throw Problem.validation(violations);
  const taken = () => conflict(`user '${username}' already exists`);
  if (username && username !== target.username && store.users.byUsername(username)) throw taken();
  if (target.role === 'admin' && role && role !== 'admin' && store.users.countAdmins() <= 1) throw conflict('Cannot demote the last admin');
  const passwordHash = password ? await hashPassword(password) : undefined;
  onConflict(() => store.tx(() => {
    store.users.update(target.id, { username, passwordHash, role: role as Role | undefined });
    if (role && role !== target.role) store.tokens.revokeAllOfUser(target.id);
    if (username !== undefined || password !== undefined || role !== undefined) audit(store, caller, 'update', 'user', username ?? target.username, null);
  }), taken);
  return json(200, userView(store.users.get(target.id)!));
};

export const deleteUser: Handler<'deleteUser'> = (ctx) => {
  const { store } = ctx.services;
  const caller = callerOf(ctx);
  assertUnconfined(caller, 'delete users');
  const target = store.users.get(ctx.params.id);
  if (!target) throw notFound(`user '${ctx.params.id}' not found`);
  if (target.id === caller.user.id) throw forbidden('you cannot delete your own account');
  if (caller.user.role !== 'admin') throw forbidden('deleting a user needs role admin');
  if (target.role === 'admin' && store.users.countAdmins() <= 1) throw conflict('Cannot delete the last admin');
  store.tx(() => {
    store.users.remove(target.id); // tokens go with it (ON DELETE CASCADE)
    audit(store, caller, 'delete', 'user', target.username, null);
  });
  return noContent();
};
