// What the watcher (and a one-off sync) records after each pass, for `ring gitops status`, people
// and dashboards: a JSON file per (repository, path) next to the fetch cache,
// <cache>/status/<hash>.json, written atomically. `<hash>.suspend` next to it suspends the watcher.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommitOutcome } from './health.js';
import { cacheRoot } from './repo.js';

export interface DeploymentStatus {
  namespace: string;
  name: string;
  source: string;
  /** applied+healthy, unchanged, failed (apply refused or rollout failed), pruned. */
  outcome: 'healthy' | 'unchanged' | 'failed' | 'progressing' | 'pruned';
  id?: string;
  detail?: string;
}

export interface DriftStatus {
  namespace: string;
  name: string;
  /** missing: deleted on the server; changed: differs from the manifest. */
  kind: 'missing' | 'changed';
  fields: string[];
  /** Restored by --self-heal (or, for a deleted worker, by the watcher). */
  healed?: boolean;
}

export interface SyncStatus {
  version: 1;
  repo: string;
  path: string;
  ref: string;
  /** Last commit whose sync pass completed. */
  revision?: string;
  subject?: string;
  synced_at?: string;
  outcome?: CommitOutcome | 'progressing';
  deployments: DeploymentStatus[];
  errors: string[];
  drift: DriftStatus[];
  drift_checked_at?: string;
  /** The last pass that failed to run at all (server away, git error). */
  last_error?: { at: string; message: string };
  watcher?: { pid: number; started_at: string; interval_ms: number; self_heal: boolean };
  updated_at: string;
}

export function statusDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'status');
}

export function statusKey(repo: string, path: string): string {
  return createHash('sha256').update(`${repo}\u0000${path}`).digest('hex').slice(0, 16);
}

export function statusFile(repo: string, path: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(statusDir(env), `${statusKey(repo, path)}.json`);
}

export function suspendFile(repo: string, path: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(statusDir(env), `${statusKey(repo, path)}.suspend`);
}

export function isSuspended(repo: string, path: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(suspendFile(repo, path, env));
}

export function setSuspended(repo: string, path: string, on: boolean, env: NodeJS.ProcessEnv = process.env): void {
  mkdirSync(statusDir(env), { recursive: true });
  if (on) writeFileSync(suspendFile(repo, path, env), `${new Date().toISOString()}\n`);
  else rmSync(suspendFile(repo, path, env), { force: true });
}

export function readStatus(file: string): SyncStatus | undefined {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as SyncStatus;
    return s && s.version === 1 ? s : undefined;
  } catch {
    return undefined;
  }
}

export function writeStatus(file: string, s: SyncStatus): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`);
  renameSync(tmp, file);
}

export function listStatuses(env: NodeJS.ProcessEnv = process.env): { file: string; status: SyncStatus }[] {
  const dir = statusDir(env);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => ({ file: join(dir, f), status: readStatus(join(dir, f)) }))
    .filter((x): x is { file: string; status: SyncStatus } => x.status !== undefined);
}

/** Whether the recorded watcher process is alive (signal 0). */
export function watcherAlive(s: SyncStatus): boolean {
  if (!s.watcher) return false;
  try {
    process.kill(s.watcher.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ago = (iso: string | undefined, now: number) => {
  const t = Date.parse(iso ?? '');
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 120 ? ` (${s}s ago)` : s < 7200 ? ` (${Math.round(s / 60)}m ago)` : ` (${Math.round(s / 3600)}h ago)`;
};

/** The status for a person. */
export function renderStatus(s: SyncStatus, opts: { alive: boolean; suspended: boolean; now: number }): string[] {
  const lines = [`Repository:  ${s.repo} (${s.ref}, ${s.path || '.'})`];
  const w = s.watcher;
  lines.push(`Watcher:     ${opts.suspended ? 'SUSPENDED — ' : ''}${w ? (opts.alive ? `running (pid ${w.pid}, every ${w.interval_ms / 1000}s${w.self_heal ? ', self-heal' : ''})` : `not running (last pid ${w.pid})`) : 'none (one-off syncs only)'}`);
  lines.push(`Last sync:   ${s.revision ? `${s.revision.slice(0, 12)}${s.subject ? ` "${s.subject}"` : ''} at ${s.synced_at}${ago(s.synced_at, opts.now)}` : 'never'}`);
  lines.push(`Outcome:     ${s.outcome ?? 'unknown'}`);
  if (s.last_error) lines.push(`Last error:  ${s.last_error.message} at ${s.last_error.at}${ago(s.last_error.at, opts.now)}`);
  if (s.deployments.length) {
    lines.push('Deployments:');
    const rows = s.deployments.map((d) => [`${d.namespace}/${d.name}`, d.source, d.outcome, d.detail ?? '']);
    const w0 = Math.max(10, ...rows.map((r) => r[0]!.length));
    const w1 = Math.max(6, ...rows.map((r) => r[1]!.length));
    const w2 = Math.max(7, ...rows.map((r) => r[2]!.length));
    lines.push(`  ${'DEPLOYMENT'.padEnd(w0)}  ${'SOURCE'.padEnd(w1)}  ${'OUTCOME'.padEnd(w2)}  DETAIL`);
    for (const r of rows) lines.push(`  ${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]!.padEnd(w2)}  ${r[3]}`.trimEnd());
  }
  if (s.errors.length) {
    lines.push('Errors:');
    for (const e of s.errors) lines.push(`  ${e}`);
  }
  lines.push(`Drift:       ${s.drift.length === 0 ? `none${s.drift_checked_at ? ` (checked ${s.drift_checked_at}${ago(s.drift_checked_at, opts.now)})` : ''}` : `${s.drift.length} deployment${s.drift.length === 1 ? '' : 's'}`}`);
  for (const d of s.drift) lines.push(`  ${d.namespace}/${d.name}: ${d.kind === 'missing' ? 'deleted on the server' : `changed on the server (${d.fields.join(', ')})`}${d.healed ? ' — healed' : ''}`);
  return lines;
}
