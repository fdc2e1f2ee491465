// A deployment whose runtime this server cannot run right now (turned off in the config, binary
// gone, daemon down): it says so once, with the cause, and takes the retried `error` status (it
// recovers on its own once the runtime is back); a deleted one is purged, since nothing of it can be
// reached to remove. Pure; the loop calls it instead of plan() for such deployments.
import type { Deployment } from '../domain/deployment.js';
import type { Action } from './plan.js';
import { transitionEvent } from './plan.js';

export function planUnavailable(d: Deployment, cause: string): Action[] {
  if (d.status === 'deleted') return [{ type: 'purge', reason: 'runtime_unavailable' }];
  if (d.status === 'error') return [];
  return [{
    type: 'setStatus', from: d.status, status: 'error', reason: 'runtime_unavailable',
    event: transitionEvent(d.status, 'error'),
    cause: { level: 'error', component: 'scheduler', reason: 'runtime_unavailable', message: `Runtime '${d.runtime}' is not available on this server: ${cause}` },
  }];
}
