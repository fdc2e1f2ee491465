// B5 (contract): every vm.create body the adapter can emit validates against the CH spec's VmConfig
// (ajv validators compiled from spec/cloud-hypervisor-api.yaml by npm run generate), and the spec
// rejects what real CH rejects, so the check can fail.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { sizing, vmCreateBody, type BodyInput } from '../../../src/runtime/cloud-hypervisor/body.js';
import { instanceNet } from '../../../src/runtime/cloud-hypervisor/net.js';
import { stateOf, type Observation } from '../../../src/runtime/cloud-hypervisor/instances.js';
import type * as V from '../../../generated/cloud-hypervisor-validate.mjs';

const REPO = join(import.meta.dirname, '..', '..', '..', '..');
const { validateVmConfig, validateVmInfo } = await import(pathToFileURL(join(REPO, 'generated', 'cloud-hypervisor-validate.mjs')).href) as typeof V;

const base: BodyInput = {
  firmware: '/fw/vmlinux', vcpus: 1, memoryBytes: 256 * 2 ** 20, disk: '/s/ch-a.raw', seed: null, shares: [], net: null,
  vsock: { cid: 42, socket: '/s/ch-a.vsock' }, deploymentId: 'd', namespace: 'default',
};

describe('vm.create bodies (B5)', () => {
  const shapes: [string, BodyInput][] = [
    ['minimal', base],
    ['with seed', { ...base, seed: '/s/ch-a.cidata.iso' }],
    ['with shares', { ...base, shares: [{ tag: 'bind-0', socket: '/s/a.virtiofs-0.sock' }, { tag: 'cfg-1', socket: '/s/a.virtiofs-1.sock' }] }],
    ['with ports (net)', { ...base, net: instanceNet('ch-abcdef12-0011aabb') }],
    ['everything', { ...base, vcpus: 4, seed: '/s/x.iso', shares: [{ tag: 'vol-0', socket: '/s/v.sock' }], net: instanceNet('t') }],
  ];
  for (const [name, input] of shapes) {
    test(`${name}: valid against VmConfig`, () => {
      const body = vmCreateBody(input);
      assert.ok(validateVmConfig(body), JSON.stringify(validateVmConfig.errors));
    });
  }

  test('no net without ports, serial Tty, console Off, oem_strings, shared memory iff fs', () => {
    const b = vmCreateBody(base);
    assert.equal(b.net, undefined);
    assert.deepEqual(b.serial, { mode: 'Tty' });
    assert.deepEqual(b.console, { mode: 'Off' });
    assert.deepEqual(b.platform?.oem_strings, ['ring.deployment=d', 'ring.namespace=default']);
    assert.equal(b.memory?.shared, false);
    const fs = vmCreateBody({ ...base, shares: [{ tag: 'bind-0', socket: '/s' }] });
    assert.equal(fs.memory?.shared, true);
    assert.deepEqual(fs.fs, [{ tag: 'bind-0', socket: '/s', num_queues: 1, queue_size: 1024 }]);
  });

  test('the spec rejects what CH rejects: fs without queues, CID 2, an unknown serial mode, no payload', () => {
    const ok = vmCreateBody({ ...base, shares: [{ tag: 't', socket: '/s' }] });
    assert.equal(validateVmConfig({ ...ok, fs: [{ tag: 't', socket: '/s' }] }), false);
    assert.equal(validateVmConfig({ ...ok, vsock: { cid: 2, socket: '/v' } }), false);
    assert.equal(validateVmConfig({ ...ok, serial: { mode: 'Sideways' } }), false);
    const { payload: _p, ...noPayload } = ok;
    assert.equal(validateVmConfig(noPayload), false);
    assert.equal(validateVmInfo({ config: ok, state: 'Booting' }), false, 'CH has no Booting state');
    assert.equal(validateVmInfo({ config: ok, state: 'Running' }), true);
  });

  test('sizing: vCPU = max(1, floor(cpu)), RAM = max(128 MiB, limit), defaults 1 / 256 MiB', () => {
    assert.deepEqual(sizing(undefined, undefined), { vcpus: 1, memoryBytes: 256 * 2 ** 20 });
    assert.deepEqual(sizing(2.7e9, 64 * 2 ** 20), { vcpus: 2, memoryBytes: 128 * 2 ** 20 });
    assert.deepEqual(sizing(0.5e9, 1024 * 2 ** 20), { vcpus: 1, memoryBytes: 1024 * 2 ** 20 });
  });
});

describe('list() state mapping (B7)', () => {
  const rows: [Partial<Observation>, string, boolean][] = [
    [{ socket: true, info: 'Running' }, 'running', false],
    [{ socket: true, info: 'Paused' }, 'paused', false],
    [{ socket: true, info: 'Created' }, 'created', false],
    [{ socket: true, info: 'refused' }, 'dead', false],
    [{ socket: true, info: 'refused', booted: true, vmmAlive: true }, 'dead', false],
    [{ socket: true, info: 'refused', booted: false, vmmAlive: true }, 'created', false],
    [{ socket: true, info: 'timeout', vmmAlive: true }, 'running', false],
    [{ socket: true, info: 'timeout', vmmAlive: false }, 'dead', false],
    [{ socket: false, booted: true, vmmAlive: false }, 'exited', true],
    [{ socket: false, booted: true, vmmAlive: true }, 'dead', false],
    [{ socket: false, booted: false }, 'created', false],
  ];
  for (const [o, state, clean] of rows) {
    test(`${JSON.stringify(o)} → ${state}${clean ? ' (clean shutdown)' : ''}`, () => {
      const full: Observation = { socket: false, info: null, booted: false, vmmAlive: false, ...o };
      assert.deepEqual(stateOf(full), { state, cleanShutdown: clean });
    });
  }
});
