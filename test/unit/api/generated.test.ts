// openapi.yaml is the source of truth: generated/ must match it, and every operation must be routed and scoped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  assert.deepEqual(routes.filter((r) => r.scope === 'public').map((r) => r.operationId).sort(), ['getHealth', 'getMetrics', 'getOpenApiSpec', 'login']);
});

/**
 * RING.md §3.2 "Route → scope", as rules over method and path, so a route added to openapi.yaml is
 * checked against the table without editing this test. A route the table does not cover fails.
 */
function ringScope(method: string, path: string): string | undefined {
  const read = method === 'GET';
  if ((method === 'POST' && path === '/login') || (method === 'GET' && ['/healthz', '/metrics', '/openapi.yaml'].includes(path))) return 'public';
  if (method === 'POST' && path === '/logout') return 'authenticated';
  if (path === '/tokens' || path.startsWith('/tokens/') || (method === 'POST' && path === '/auth/stream-ticket')) return 'admin';
  if (method === 'GET' && path === '/node/get') return 'deployments:read';
  if (path === '/users') return read ? 'users:read' : method === 'POST' ? 'users:write' : undefined;
  if (path === '/users/me') return read ? 'users:read' : undefined;
  if (path === '/users/{id}') return method === 'PUT' ? 'users:read' : method === 'DELETE' ? 'users:write' : undefined;
  const resource = /^\/(deployments|namespaces|secrets|configs|volumes|webhooks)(\/|$)/.exec(path)?.[1];
  if (resource) return `${resource}:${read ? 'read' : 'write'}`;
  return undefined;
}

test('every operation requires the scope RING.md §3.2 gives its route', () => {
  const spec = parse(readFileSync(root + 'openapi.yaml', 'utf8'));
  const wrong: string[] = [];
  for (const [path, item] of Object.entries(spec.paths as Record<string, Record<string, { operationId: string; 'x-ring-scope'?: string }>>)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method];
      if (!op) continue;
      const expected = ringScope(method.toUpperCase(), path);
      const declared = op['x-ring-scope'];
      if (expected === undefined) wrong.push(`${method.toUpperCase()} ${path} (${op.operationId}): not in RING.md §3.2 — add the route's scope to ringScope() in this test`);
      else if (declared !== expected) wrong.push(`${method.toUpperCase()} ${path} (${op.operationId}): x-ring-scope '${declared}', RING.md §3.2 says '${expected}'`);
      const routed = routes.find((r) => r.operationId === op.operationId);
      if (routed?.scope !== declared) wrong.push(`${op.operationId}: generated/routes.ts has scope '${routed?.scope}', openapi.yaml '${declared}'`);
    }
  }
  assert.deepEqual(wrong, []);
  assert.equal(ringScope('GET', '/node/get'), 'deployments:read');
  assert.equal(ringScope('DELETE', '/deployments/{id}'), 'deployments:write');
});

test('the generator refuses an operation without a scope, or with a misspelt one', () => {
  const spec = readFileSync(root + 'openapi.yaml', 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'ring-gen-'));
  try {
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(join(root, 'scripts/generate.mjs'), join(dir, 'scripts/generate.mjs'));
    mkdirSync(join(dir, 'spec'));
    copyFileSync(join(root, 'spec/cloud-hypervisor-api.yaml'), join(dir, 'spec/cloud-hypervisor-api.yaml'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const run = (yaml: string) => {
      writeFileSync(join(dir, 'openapi.yaml'), yaml);
      return spawnSync(process.execPath, ['scripts/generate.mjs'], { cwd: dir, encoding: 'utf8' });
    };
    assert.equal(run(spec).status, 0, 'the unmodified spec generates');
    const missing = run(spec.replace(/^( +)x-ring-scope: deployments:read\n/m, ''));
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /no x-ring-scope \(deny by default\)/);
    const misspelt = run(spec.replace(/x-ring-scope: deployments:read$/m, 'x-ring-scope: deployment-read'));
    assert.notEqual(misspelt.status, 0);
    assert.match(misspelt.stderr, /x-ring-scope 'deployment-read' is not/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
