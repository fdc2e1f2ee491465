// The fuzz loop: plans from arbitraries.ts, sent in windows of `concurrency` requests to a running
// server, each answer checked: no 5xx, every 4xx is problem+json, the server still answers /healthz,
// and (one window in four, sent one request at a time) a rejected request changed no row: a snapshot
// of every table the API writes, compared before and after; tables only the reconciler and the webhook
// dispatcher write in the background are left out, and deployments may only disappear (the reconciler's purge).
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { loadSpec, type Spec } from './spec.js';
import { HUGE_NUMBERS, NEVER_ACCEPTED, materialize, planArbitrary, type Mutation, type WireRequest } from './arbitraries.js';

export interface FuzzTarget {
  url: string;
  dbPath: string;
  token: string;
  /** Ids of rows that exist, so path parameters reach them. */
  knownIds(): Promise<string[]>;
  /** A new session token: POST /logout revokes the token it presents, so it never gets the fuzzer's own. */
  freshToken(): Promise<string>;
}

export interface FuzzOptions {
  requests: number;
  concurrency: number;
  seed: number;
  maxBodyBytes?: number;
  /** Called after each window (progress output of the long run). */
  onProgress?(stats: FuzzStats): void;
}

export interface Failure { request: string; status: number | string; why: string; body: string }

export interface FuzzStats {
  sent: number;
  byStatus: Record<string, number>;
  byOperation: Record<string, number>;
  byMutation: Partial<Record<Mutation, number>>;
  serverErrors: number;
  /** Requests whose connection failed while the server stayed up (e.g. a refused oversized upload). */
  connectionErrors: number;
  /** Rejected requests whose snapshot before and after was compared. */
  writeChecked: number;
  failures: Failure[];
}

/** Tables the API writes; each row summed into a hash, minus columns every authenticated request touches. */
const OWNED_TABLES: [string, string][] = [
  ['user', 'id, username, password, role, status'],
  ['token', 'id, user_id, name, token_hash, scopes, namespaces, kind, expire_at, revoked_at'],
  ['namespace', 'id, name'],
  ['secret', 'id, namespace, name, value'],
  ['config', 'id, namespace, name, data, labels, updated_at'],
  ['volumes', 'id, namespace, name, size, backend_type, labels'],
  ['webhook', 'id, url, secret, events, revoked_at'],
];

export interface Snapshot { owned: Record<string, string>; deployments: Set<string> }

export function snapshot(db: Database.Database): Snapshot {
  const owned: Record<string, string> = {};
  for (const [table, cols] of OWNED_TABLES) {
    const rows = db.prepare(`SELECT ${cols} FROM ${table} ORDER BY id`).all();
    owned[table] = `${rows.length}:${createHash('sha256').update(JSON.stringify(rows, (_k, x) => (Buffer.isBuffer(x) ? x.toString('hex') : x))).digest('hex').slice(0, 16)}`;
  }
  const deployments = new Set((db.prepare('SELECT id FROM deployment').all() as { id: string }[]).map((r) => r.id));
  return { owned, deployments };
}

/** What changed between two snapshots, or null. */
export function changes(before: Snapshot, after: Snapshot): string | null {
  const out: string[] = [];
  for (const t of Object.keys(before.owned)) if (before.owned[t] !== after.owned[t]) out.push(`${t} ${before.owned[t]} → ${after.owned[t]}`);
  const added = [...after.deployments].filter((id) => !before.deployments.has(id));
  if (added.length) out.push(`deployment rows added: ${added.join(', ')}`);
  return out.length ? out.join('; ') : null;
}

function describe(r: WireRequest): string {
  const body = r.body === undefined ? '' : ` body(${r.body.length}B)=${String(r.body).slice(0, 160)}`;
  return `${r.method} ${r.url.slice(0, 200)} [${r.operationId}, ${r.mutation}, ${r.headers['content-type'] ?? 'no content-type'}]${body}`;
}

/** Whether a body carries something no write may accept (see NEVER_ACCEPTED). */
function acceptedHostile(r: WireRequest): boolean {
  if (NEVER_ACCEPTED.includes(r.mutation)) return true;
  const text = String(r.body);
  return r.mutation === 'big_number' && HUGE_NUMBERS.some((n) => text.includes(`:${n}`) || text === n);
}

/** One request over node:http (fetch refuses a GET with a body, and drops a response that arrives while it still uploads). */
function send(base: string, r: WireRequest): Promise<{ status: number; type: string; text: string } | { error: string }> {
  return new Promise((resolve) => {
    const u = new URL(base + r.url);
    // Node sends a DELETE body without Content-Length (the server would read none and take the bytes
    // for the next request on the socket), so the length is always explicit.
    const headers = r.body === undefined ? r.headers : { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) };
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: r.method, headers, agent }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      // Streams (follow=true logs) never end: the status and content type are all we need.
      if (type.startsWith('text/event-stream')) {
        res.destroy();
        return resolve({ status: res.statusCode ?? 0, type, text: '' });
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ error: String(e) }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timed out after 60 s')));
    // An upload cut short by an early answer (413) is fine: the response handler above still runs.
    req.on('error', (e) => setTimeout(() => resolve({ error: String(e) }), 50));
    if (r.body !== undefined) req.end(r.body);
    else req.end();
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

async function alive(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

export async function fuzz(target: FuzzTarget, opts: FuzzOptions, spec: Spec = loadSpec()): Promise<FuzzStats> {
  const stats: FuzzStats = { sent: 0, byStatus: {}, byOperation: {}, byMutation: {}, serverErrors: 0, connectionErrors: 0, writeChecked: 0, failures: [] };
  const db = new Database(target.dbPath, { readonly: true, fileMustExist: true });
  const maxBodyBytes = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  try {
    const CHUNK = 250;
    for (let chunk = 0; stats.sent < opts.requests; chunk++) {
      const ids = await target.knownIds();
      const plans = fc.sample(planArbitrary(spec, ids), { seed: opts.seed + chunk, numRuns: Math.min(CHUNK, opts.requests - stats.sent) });
      for (let i = 0; i < plans.length; i += opts.concurrency) {
        const window = await Promise.all(plans.slice(i, i + opts.concurrency).map(async (p) => {
          const token = spec.operations[p.op]!.operationId === 'logout' ? await target.freshToken() : target.token;
          return materialize(spec, p, { token, maxBodyBytes });
        }));
        // Every fourth window goes one request at a time, each rejected one checked against a
        // snapshot: concurrent successes would otherwise hide a write a rejected request made.
        const checked = (i / opts.concurrency) % 4 === 3;
        const answers: Awaited<ReturnType<typeof send>>[] = [];
        if (checked) {
          for (const r of window) {
            const before = snapshot(db);
            const a = await send(target.url, r);
            answers.push(a);
            if (!('error' in a) && a.status >= 400) {
              stats.writeChecked++;
              const diff = changes(before, snapshot(db));
              if (diff) stats.failures.push({ request: describe(r), status: a.status, why: `a rejected request wrote: ${diff}`, body: a.text.slice(0, 300) });
            }
          }
        } else {
          answers.push(...await Promise.all(window.map((r) => send(target.url, r))));
        }
        answers.forEach((a, j) => {
          const r = window[j]!;
          stats.sent++;
          stats.byOperation[r.operationId] = (stats.byOperation[r.operationId] ?? 0) + 1;
          stats.byMutation[r.mutation] = (stats.byMutation[r.mutation] ?? 0) + 1;
          if ('error' in a) {
            stats.connectionErrors++;
            if (process.env.FUZZ_DEBUG) console.log(`connection error: ${a.error} for ${describe(r).slice(0, 200)}`);
            stats.byStatus.error = (stats.byStatus.error ?? 0) + 1;
            return;
          }
          stats.byStatus[a.status] = (stats.byStatus[a.status] ?? 0) + 1;
          if (a.status < 300 && r.method !== 'GET' && r.body !== undefined && acceptedHostile(r)) {
            stats.failures.push({ request: describe(r), status: a.status, why: `hostile body accepted (${r.mutation})`, body: a.text.slice(0, 300) });
          }
          if (a.status >= 500) {
            stats.serverErrors++;
            stats.failures.push({ request: describe(r), status: a.status, why: '5xx', body: a.text.slice(0, 300) });
          } else if (a.status >= 400) {
            let ok = /^application\/problem\+json/.test(a.type);
            if (ok) {
              try {
                const p = JSON.parse(a.text);
                ok = p.status === a.status && typeof p.title === 'string' && Array.isArray(p.violations);
              } catch {
                ok = false;
              }
            }
            if (!ok) stats.failures.push({ request: describe(r), status: a.status, why: `4xx that is not problem+json (${a.type})`, body: a.text.slice(0, 300) });
          }
        });
        if (answers.some((a) => 'error' in a) && !(await alive(target.url))) {
          stats.failures.push({ request: window.map(describe).join('\n  '), status: 'dead', why: 'the server stopped answering', body: '' });
          return stats;
        }
        opts.onProgress?.(stats);
      }
    }
    if (!(await alive(target.url))) stats.failures.push({ request: '(end of run)', status: 'dead', why: 'the server stopped answering', body: '' });
    return stats;
  } finally {
    db.close();
  }
}
