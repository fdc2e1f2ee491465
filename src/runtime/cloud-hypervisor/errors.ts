// CH's failures as RuntimeErrors with Ring's event names (CLOUD-HYPERVISOR.md §1.11): component
// `cloud-hypervisor`, PascalCase reasons (upstream t20 matches reason=="PortAllocationFailed").
import { RuntimeError, type RuntimeErrorReason } from '../runtime.js';

export const COMPONENT = 'cloud-hypervisor';

const EVENT_REASON: Partial<Record<RuntimeErrorReason, string>> = {
  firmware_not_found: 'FirmwareNotFound',
  disk_image_not_found: 'ImageNotFound',
  port_allocation_failed: 'PortAllocationFailed',
  insufficient_resources: 'insufficient_resources',
  network_creation_failed: 'NetworkCreationFailed',
  vm_start_failed: 'VmStartFailed',
};

export function chError(reason: RuntimeErrorReason, message: string, cause?: unknown): RuntimeError {
  return new RuntimeError(reason, message, { cause, event: { component: COMPONENT, reason: EVENT_REASON[reason] ?? 'VmStartFailed' } });
}
