// Which containers on a shared daemon a server treats as its own (ownership.ts), and the labels
// that decide it: written on create, not settable by users, read back from list and event lines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownership, type Ownership } from '../../../src/runtime/docker/ownership.js';
import { DEPLOYMENT_LABEL, SERVER_LABEL, containerLabels } from '../../../src/runtime/docker/labels.js';
import { parseEvent } from '../../../src/runtime/docker/events.js';
import { buildCreateOptions } from '../../../src/runtime/docker/instances.js';
import type { InstanceSpec } from '../../../src/runtime/runtime.js';

const ME = '0123456789abcdef';
const OTHER = 'fedcba9876543210';

describe('ownership of a ring container on a shared daemon', () => {
  const cases: [string, Record<string, string> | undefined, string | undefined, Ownership][] = [
    ['labelled with this server', { [DEPLOYMENT_LABEL]: 'd', [SERVER_LABEL]: ME }, ME, 'own'],
    ['labelled with another server', { [DEPLOYMENT_LABEL]: 'd', [SERVER_LABEL]: OTHER }, ME, 'foreign'],
    ['created before server ids (upgrade in place)', { [DEPLOYMENT_LABEL]: 'd' }, ME, 'unlabelled'],
    ['an empty server label counts as none', { [DEPLOYMENT_LABEL]: 'd', [SERVER_LABEL]: '' }, ME, 'unlabelled'],
    ['no labels at all', undefined, ME, 'unlabelled'],
    ['a runtime bound to no server owns every labelled one', { [SERVER_LABEL]: OTHER }, undefined, 'own'],
    ['… and sees unlabelled ones as such', { [DEPLOYMENT_LABEL]: 'd' }, undefined, 'unlabelled'],
    ['ids compare exactly (no prefix match)', { [SERVER_LABEL]: ME.slice(0, 8) }, ME, 'foreign'],
  ];
  for (const [what, labels, serverId, want] of cases) {
    it(what, () => assert.equal(ownership(labels, serverId), want));
  }
});

function spec(labels: Record<string, string>): InstanceSpec {
  return {
    deploymentId: 'dep-1', namespace: 'ns', name: 'web', image: 'busybox:1', pullPolicy: 'IfNotPresent', command: [], env: {},
    labels, ports: [], mounts: [], files: [], networkMode: 'bridge', privileged: false,
  } as InstanceSpec;
}

describe('container labels', () => {
  it('carry the server id last, over a user label of the same key', () => {
    const l = containerLabels(spec({ app: 'a', [SERVER_LABEL]: OTHER, [DEPLOYMENT_LABEL]: 'x' }), null, ME);
    assert.deepEqual(l, { app: 'a', [SERVER_LABEL]: ME, 'ring.namespace': 'ns', [DEPLOYMENT_LABEL]: 'dep-1' });
  });

  it('drop a user-set server label when the runtime is bound to no server', () => {
    const l = containerLabels(spec({ [SERVER_LABEL]: OTHER }), null);
    assert.equal(SERVER_LABEL in l, false, 'a user label must not hand the container to another server');
  });

  it('reach the create body', () => {
    assert.equal(buildCreateOptions(spec({}), 'ns_web_00000000', null, ME).Labels?.[SERVER_LABEL], ME);
  });
});

describe('docker events of a shared daemon', () => {
  const line = (attrs: Record<string, string>) =>
    JSON.stringify({ Type: 'container', Action: 'die', Actor: { ID: 'abc', Attributes: { exitCode: '1', [DEPLOYMENT_LABEL]: 'd1', ...attrs } }, time: 1 });

  it("skip another server's containers and keep ours and unlabelled ones", () => {
    assert.equal(parseEvent(line({ [SERVER_LABEL]: OTHER }), ME), null);
    assert.equal(parseEvent(line({ [SERVER_LABEL]: ME }), ME)?.deploymentId, 'd1');
    assert.equal(parseEvent(line({}), ME)?.deploymentId, 'd1');
  });
});
