// A deployment whose runtime this server cannot run right now (turned off in the config, binary
// gone, daemon down): it says so once, with the cause, and takes the retried `error` status (it
// recovers on its own once the runtime is back); a deleted one is purged, since nothing of it can be
// reached to remove. Pure; the loop calls it instead of plan() for such deployments.
import type { Deployment } from '../domain/deployment.js';
import { COMPONENT, EVENT_REASON, STATUS_REASON, noted } from '../domain/changes.js';
import type { Action } from './plan.js';

export function planUnavailable(d: Deployment, cause: string): Action[] {
  if (d.status === 'deleted') return [{ type: 'purge', reason: STATUS_REASON.runtimeUnavailable }];
  if (d.status === 'error') return [];
  return [{
    type: 'setStatus', from: d.status, status: 'error', reason: STATUS_REASON.runtimeUnavailable,
    cause: noted('error', COMPONENT.scheduler, EVENT_REASON.runtimeUnavailable, `Runtime '${d.runtime}' is not available on this server: ${cause}`),
  }];
}
