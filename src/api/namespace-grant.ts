// Which namespace a deployment POST may land in, and whether it may create it (RING.md §3.2, §3.4:
// "namespace boundary (403) → auto-create namespace"). Pure: the caller's grant and whether the
// namespace exists in, the decision out; the handler acts on it.
//
// Where we go beyond Ring on purpose: Ring asks `namespaces:write` for every auto-create. A token
// confined to namespaces [X, …] was handed X by whoever minted it, so its first deployment there may
// create X with `deployments:write` alone; it still cannot create (or deploy into) any namespace it
// was not given. An unconfined token (every namespace) still needs `namespaces:write` to create one,
// or `deployments:write` would mean "create any namespace".
import { hasScope } from './tokens.js';

export interface NamespaceGrant {
  scopes: readonly string[];
  /** Empty = every namespace. */
  namespaces: readonly string[];
}

export type DeployNamespaceDecision =
  | { allowed: true; create: false }
  /** `because`: which right lets the caller create it (for the audit trail and tests). */
  | { allowed: true; create: true; because: 'namespaces:write' | 'confined_to_it' }
  | { allowed: false; status: 403; message: string };

export function deployNamespaceDecision(grant: NamespaceGrant, namespace: string, exists: boolean): DeployNamespaceDecision {
  const confined = grant.namespaces.length > 0;
  if (confined && !grant.namespaces.includes(namespace)) {
    return { allowed: false, status: 403, message: `token is not scoped to namespace '${namespace}'` };
  }
  if (exists) return { allowed: true, create: false };
  if (hasScope([...grant.scopes], 'namespaces:write')) return { allowed: true, create: true, because: 'namespaces:write' };
  if (confined) return { allowed: true, create: true, because: 'confined_to_it' };
  return {
    allowed: false, status: 403,
    message: `namespace '${namespace}' does not exist and the token lacks 'namespaces:write' to create it ` +
      `(a token confined to namespace '${namespace}' may create it by deploying there)`,
  };
}
