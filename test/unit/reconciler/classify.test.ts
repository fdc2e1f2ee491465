import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classify, type Classification } from '../../../src/reconciler/classify.js';
import { RuntimeError, type RuntimeErrorReason } from '../../../src/runtime/runtime.js';

type Row = Omit<Classification, 'eventMessage' | 'component'>;

// Every RuntimeErrorReason: the Record type makes a new reason without a row a compile error.
const TABLE: Record<RuntimeErrorReason, Row> = {
  image_not_found: { status: 'image_pull_back_off', terminal: false, countsAsRestart: true, reason: 'image_pull_back_off' },
  image_pull_failed: { status: 'image_pull_back_off', terminal: false, countsAsRestart: true, reason: 'image_pull_back_off' },
  instance_creation_failed: { status: 'create_container_error', terminal: false, countsAsRestart: true, reason: 'instance_creation_failed' },
  network_creation_failed: { status: 'network_error', terminal: false, countsAsRestart: true, reason: 'network_creation_failed' },
  config_error: { status: 'config_error', terminal: false, countsAsRestart: true, reason: 'config_error' },
  insufficient_resources: { status: 'insufficient_resources', terminal: true, countsAsRestart: false, reason: 'insufficient_resources' },
  port_allocation_failed: { status: 'error', terminal: false, countsAsRestart: true, reason: 'port_allocation_failed' },
  file_system_error: { status: 'file_system_error', terminal: false, countsAsRestart: true, reason: 'file_system_error' },
  runtime_error: { status: 'error', terminal: false, countsAsRestart: true, reason: 'runtime_error' },
  firmware_not_found: { status: 'failed', terminal: true, countsAsRestart: false, reason: 'firmware_not_found' },
  disk_image_not_found: { status: 'image_pull_back_off', terminal: true, countsAsRestart: false, reason: 'disk_image_not_found' },
  vm_start_failed: { status: 'error', terminal: false, countsAsRestart: true, reason: 'vm_start_failed' },
};

describe('classify', () => {
  for (const [reason, row] of Object.entries(TABLE) as [RuntimeErrorReason, Row][]) {
    test(`${reason} → ${row.status}${row.terminal ? ' (terminal)' : ' (retried, counted)'}`, () => {
      const c = classify(new RuntimeError(reason, `boom: ${reason}`));
      assert.deepEqual(c, { ...row, component: 'docker', eventMessage: `boom: ${reason}` });
    });
  }

  test('a terminal failure never counts toward the restart budget, a counted one is never terminal', () => {
    for (const reason of Object.keys(TABLE) as RuntimeErrorReason[]) {
      const c = classify(new RuntimeError(reason, 'x'));
      assert.notEqual(c.terminal, c.countsAsRestart, reason);
    }
  });

  test('the event message is the runtime\'s own message (e.g. the Never-policy text of RING §7.1)', () => {
    const msg = "Image 'nope:1' not found: image 'nope:1' not in local cache and image_pull_policy=Never forbids pulling";
    assert.equal(classify(new RuntimeError('image_not_found', msg)).eventMessage, msg);
  });

  // B23: the cloud-hypervisor runtime names its events (component + PascalCase reason, CLOUD-HYPERVISOR.md §1.11);
  // the status decision stays the reason's.
  const CH: [RuntimeErrorReason, string, Classification['status'], boolean][] = [
    ['firmware_not_found', 'FirmwareNotFound', 'failed', true],
    ['disk_image_not_found', 'ImageNotFound', 'image_pull_back_off', true],
    ['port_allocation_failed', 'PortAllocationFailed', 'error', false],
    ['insufficient_resources', 'insufficient_resources', 'insufficient_resources', true],
    ['network_creation_failed', 'NetworkCreationFailed', 'network_error', false],
    ['vm_start_failed', 'VmStartFailed', 'error', false],
  ];
  for (const [reason, chReason, status, isTerminal] of CH) {
    test(`cloud-hypervisor ${reason} → event ${chReason} (component cloud-hypervisor), status ${status}`, () => {
      const c = classify(new RuntimeError(reason, 'm', { event: { component: 'cloud-hypervisor', reason: chReason } }));
      assert.equal(c.component, 'cloud-hypervisor');
      assert.equal(c.reason, chReason);
      assert.equal(c.status, status);
      assert.equal(c.terminal, isTerminal);
      assert.equal(c.countsAsRestart, !isTerminal);
    });
  }
});
