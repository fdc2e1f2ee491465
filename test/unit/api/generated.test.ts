// openapi.yaml is the source of truth: generated/ must match it, and every operation must be routed and scoped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { routes } from '../../../generated/routes.js';
import { handlers } from '../../../src/api/routes.js';
import { ALL_SCOPES } from '../../../src/api/tokens.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

test('generated/ is what npm run generate makes of openapi.yaml', () => {
  execFileSync(process.execPath, ['scripts/generate.mjs', '--check'], { cwd: root, stdio: 'pipe' });
});

test('every operation of openapi.yaml has exactly one handler, and every handler an operation', () => {
  const spec = parse(readFileSync(root + 'openapi.yaml', 'utf8'));
  const ops = Object.values(spec.paths).flatMap((item: any) =>
    ['get', 'post', 'put', 'patch', 'delete'].filter((m) => item[m]).map((m) => item[m].operationId as string));
  assert.deepEqual([...ops].sort(), Object.keys(handlers).sort());
  assert.deepEqual(routes.map((r) => r.operationId).sort(), [...ops].sort());
});

test('every operation declares a known scope (deny by default)', () => {
  for (const r of routes) {
    assert.ok(['public', 'authenticated', ...ALL_SCOPES].includes(r.scope), `${r.operationId}: ${r.scope}`);
  }
  assert.deepEqual(routes.filter((r) => r.scope === 'public').map((r) => r.operationId).sort(), ['getHealth', 'getOpenApiSpec', 'login']);
});
