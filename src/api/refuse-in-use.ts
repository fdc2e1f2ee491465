// Deleting a secret or a named volume that deployments still use breaks their next container
// (domain/references.ts), so without ?force=true the API refuses with a 409 that names them.
import type { Deployment } from '../domain/deployment.js';
import { referencingDeployments } from '../domain/references.js';
import type { Store } from '../store/index.js';
import { conflict } from './problem.js';

export function refuseDeleteWhileUsed(
  store: Store,
  what: 'secret' | 'volume',
  target: { namespace: string; name: string },
  uses: (d: Deployment, name: string) => boolean,
  force: boolean | undefined,
): void {
  if (force === true) return;
  const users = referencingDeployments(store.deployments.list({ namespace: [target.namespace] }), (d) => uses(d, target.name));
  if (users.length > 0) {
    throw conflict(`${what} '${target.name}' is referenced by deployments: ${users.join(', ')}`,
      { deployments: users, hint: 'Use ?force=true to delete anyway' });
  }
}
