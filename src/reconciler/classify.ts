// Every runtime failure becomes a deployment status here, and only here (RING.md §5.5).
//
// Where we differ from Ring on purpose (RING §14 "permanent failures force restart_count = 5"):
// nothing forces the counter. A failure either counts one real failed attempt (retried with
// backoff until MAX_RESTART_COUNT, then crash_loop_back_off / failed), or is terminal and leaves
// the counter alone (insufficient_resources: a retry cannot conjure RAM). A missing image is
// retried with backoff like any pull failure, since it may yet be pushed or tagged.
import type { Status } from '../domain/status.js';
import type { RuntimeError, RuntimeErrorReason } from '../runtime/runtime.js';

export interface Classification {
  /** The status the deployment takes (before the budget check turns it into crash_loop_back_off / failed). */
  status: Status;
  /** Never retried: the status is final and restart_count is left as it is. */
  terminal: boolean;
  /** One failed attempt toward MAX_RESTART_COUNT, armed with backoff. */
  countsAsRestart: boolean;
  /** Event reason: Ring's Docker reason of §5.5, or the runtime's own (RuntimeError.event). */
  reason: string;
  /** Event message: the runtime's own words. */
  eventMessage: string;
  /** Event component: `docker`, or the runtime's own (RuntimeError.event). */
  component: string;
}

function retried(status: Status, reason: string, err: RuntimeError): Classification {
  return { status, terminal: false, countsAsRestart: true, reason, eventMessage: err.message, component: 'docker' };
}

function terminal(status: Status, reason: string, err: RuntimeError): Classification {
  return { status, terminal: true, countsAsRestart: false, reason, eventMessage: err.message, component: 'docker' };
}

/** The status decision is the reason's; the event's names are the runtime's when it gives them (CH: PascalCase). */
export function classify(err: RuntimeError): Classification {
  const c = classifyReason(err);
  return err.event ? { ...c, component: err.event.component, reason: err.event.reason } : c;
}

function classifyReason(err: RuntimeError): Classification {
  const reason: RuntimeErrorReason = err.reason;
  switch (reason) {
    case 'image_not_found':
      return retried('image_pull_back_off', 'image_pull_back_off', err);
    case 'image_pull_failed':
      return retried('image_pull_back_off', 'image_pull_back_off', err);
    case 'instance_creation_failed':
      return retried('create_container_error', 'instance_creation_failed', err);
    case 'network_creation_failed':
      return retried('network_error', 'network_creation_failed', err);
    case 'config_error':
      return retried('config_error', 'config_error', err);
    case 'insufficient_resources':
      return terminal('insufficient_resources', 'insufficient_resources', err);
    case 'port_allocation_failed':
      return retried('error', 'port_allocation_failed', err);
    case 'file_system_error':
      return retried('file_system_error', 'file_system_error', err);
    case 'runtime_error':
      return retried('error', 'runtime_error', err);
    case 'firmware_not_found':
      return terminal('failed', 'firmware_not_found', err);
    case 'disk_image_not_found':
      // Never counted (t11: restart_count 0). image_pull_back_off stays a reconciled status, so
      // each tick looks again (without backoff or count) and a disk image copied in later is booted.
      return terminal('image_pull_back_off', 'disk_image_not_found', err);
    case 'vm_start_failed':
      return retried('error', 'vm_start_failed', err);
    default:
      return assertNever(reason);
  }
}

function assertNever(x: never): never {
  throw new Error(`unclassified runtime error reason: ${String(x)}`);
}
