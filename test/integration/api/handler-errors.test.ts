// 408 and 500 come from the router itself: provoke them with handlers that hang or throw.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiServer } from '../../../src/api/server.js';
import { handlers } from '../../../src/api/routes.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createStore, openDatabase } from '../../../src/store/index.js';
import type { Services } from '../../../src/api/context.js';
import { SecretBox } from '../../../src/domain/secret-box.js';

describe('router-level problems', () => {
  let url: string;
  let stop: () => Promise<void>;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ring-h-'));
    const store = createStore(openDatabase(join(dir, 'ring.db')));
    const services: Services = {
      store, config: loadConfig({ env: { RING_CONFIG_DIR: dir } }), log: createLogger('silent'), runtimes: new Map(),
      specText: '', secretBox: new SecretBox(Buffer.alloc(32)), wake: () => {}, instancesOf: async () => [], startedAt: Date.now(),
    };
    const server = await createApiServer({
      host: '127.0.0.1', port: 0, services, handlerTimeoutMs: 200,
      handlers: {
        ...handlers,
        getHealth: () => new Promise(() => {}), // never answers
        getOpenApiSpec: () => { throw new Error('boom: secret detail'); },
      },
    });
    await server.start();
    url = server.info.uri;
    stop = () => server.stop();
  });
  after(() => stop());

  test('a handler that does not answer in time is a 408 problem', async () => {
    const r = await fetch(url + '/healthz');
    assert.equal(r.status, 408);
    assert.match(r.headers.get('content-type') ?? '', /problem\+json/);
  });

  test('a handler that throws is a 500 problem that does not leak the error text', async () => {
    const r = await fetch(url + '/openapi.yaml');
    assert.equal(r.status, 500);
    assert.match(r.headers.get('content-type') ?? '', /problem\+json/);
    const body = (await r.json()) as Record<string, unknown>;
    assert.equal(body.title, 'Internal Server Error');
    assert.doesNotMatch(JSON.stringify(body), /secret detail/);
  });
});
