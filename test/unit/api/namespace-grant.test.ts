// Where a deployment POST may land and whether it may create its namespace: every combination of
// confinement, scope and existence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployNamespaceDecision, type DeployNamespaceDecision } from '../../../src/api/namespace-grant.js';

const W = ['deployments:write'];
const WN = ['deployments:write', 'namespaces:write'];
const NOT_SCOPED = (ns: string) => `token is not scoped to namespace '${ns}'`;
const LACKS = (ns: string) => `namespace '${ns}' does not exist and the token lacks 'namespaces:write' to create it (a token confined to namespace '${ns}' may create it by deploying there)`;
const refuse = (message: string): DeployNamespaceDecision => ({ allowed: false, status: 403, message });
const use: DeployNamespaceDecision = { allowed: true, create: false };

const cases: [string, string[], string[], string, boolean, DeployNamespaceDecision][] = [
  // confined token, its own namespace
  ['confined to x, deployments:write, x missing → creates x', W, ['x'], 'x', false, { allowed: true, create: true, because: 'confined_to_it' }],
  ['confined to x, deployments:write, x exists → deploys', W, ['x'], 'x', true, use],
  ['confined to x,y, deployments:write, y missing → creates y', W, ['x', 'y'], 'y', false, { allowed: true, create: true, because: 'confined_to_it' }],
  ['confined to x, with namespaces:write, x missing → creates x (by scope)', WN, ['x'], 'x', false, { allowed: true, create: true, because: 'namespaces:write' }],
  // confined token, another namespace: never, whatever the scopes or existence
  ['confined to x, deployments:write, y missing → 403 not scoped (cannot create y)', W, ['x'], 'y', false, refuse(NOT_SCOPED('y'))],
  ['confined to x, deployments:write, y exists → 403 not scoped', W, ['x'], 'y', true, refuse(NOT_SCOPED('y'))],
  ['confined to x, namespaces:write, y missing → 403 not scoped', WN, ['x'], 'y', false, refuse(NOT_SCOPED('y'))],
  ['confined admin token, y missing → 403 not scoped (admin passes scopes, not namespaces)', ['admin'], ['x'], 'y', false, refuse(NOT_SCOPED('y'))],
  // unconfined tokens (every namespace)
  ['unconfined, deployments:write only, missing → 403 lacks namespaces:write', W, [], 'z', false, refuse(LACKS('z'))],
  ['unconfined, deployments:write only, exists → deploys', W, [], 'z', true, use],
  ['unconfined, namespaces:write, missing → creates', WN, [], 'z', false, { allowed: true, create: true, because: 'namespaces:write' }],
  ['unconfined admin, missing → creates', ['admin'], [], 'z', false, { allowed: true, create: true, because: 'namespaces:write' }],
  ['names are exact: confined to x, "x " missing → 403 not scoped', W, ['x'], 'x ', false, refuse(NOT_SCOPED('x '))],
];

for (const [name, scopes, namespaces, ns, exists, expected] of cases) {
  test(name, () => {
    assert.deepEqual(deployNamespaceDecision({ scopes, namespaces }, ns, exists), expected);
  });
}
