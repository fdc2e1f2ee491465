// A ring server to fuzz: in this process, its own ring.db, and a stand-in Docker (never the real daemon),
// authenticated as the seeded admin.
import Database from 'better-sqlite3';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startDockerStub, type DockerStub } from '../helpers/docker-stub.js';
import { SEED_ADMIN_ID } from '../../src/store/users.js';
import type { FuzzTarget } from './run.js';

export interface FuzzServer extends FuzzTarget {
  server: TestServer;
  docker: DockerStub;
  close(): Promise<void>;
}

/** Ids of every row a path parameter can name, except the admin the fuzzer runs as. */
export function knownIds(dbPath: string): string[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const ids: string[] = [];
    for (const t of ['deployment', 'user', 'namespace', 'secret', 'config', 'volumes', 'token', 'webhook']) {
      ids.push(...(db.prepare(`SELECT id FROM ${t} ORDER BY rowid DESC LIMIT 20`).all() as { id: string }[]).map((r) => r.id));
    }
    ids.push(...(db.prepare('SELECT name FROM namespace LIMIT 5').all() as { name: string }[]).map((r) => r.name));
    return ids.filter((id) => id !== SEED_ADMIN_ID);
  } finally {
    db.close();
  }
}

export async function startFuzzServer(dir?: string): Promise<FuzzServer> {
  const docker = await startDockerStub();
  // A quiet log: the fuzzer's 4xx lines would otherwise fill the test output.
  const server = await startTestServer({ DOCKER_HOST: docker.host, RING_LOG_LEVEL: 'warn' }, dir);
  const token = await server.adminToken();
  return {
    url: server.url, dbPath: server.dbPath, token, server, docker,
    knownIds: async () => knownIds(server.dbPath),
    // A login for `logout` requests. fetch's pooled socket may be one the server is just closing
    // as idle (ECONNRESET on a loaded machine); that is the harness's connection, not an answer, so
    // it is tried again. A server that really stopped answering fails the third attempt too.
    freshToken: async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await server.adminToken();
        } catch (e) {
          if (attempt >= 3 || !(e instanceof TypeError)) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    },
    async close() {
      await server.close();
      await docker.close();
    },
  };
}
