// `ring gitops watch`: polls the repository every interval and syncs until the signal aborts.
// A new commit gets a full pass (namespaces, configs, deployments, prune), then the rollouts it
// started are followed and the commit is recorded as healthy, degraded or failed (status file,
// optional webhook). Between commits the server is compared with the manifests: drift is
// recorded; deleted workers are re-applied, and with self-heal anything changed on the server
// is restored. SIGHUP (or `ring gitops sync --now`) syncs at once; a suspend file pauses it.
import { join } from 'node:path';
import { watch as watchFiles, type FSWatcher } from 'chokidar';
import type { ApplyIo, ApplyTarget } from '../src/client/apply-manifest.js';
import { loadDesired, type DesiredState } from './desired.js';
import { diffState, type LiveView } from './diff.js';
import { listLive, notify, settle } from './record.js';
export { listLive } from './record.js';
import type { GitSource } from './repo.js';
import { isSuspended, readStatus, statusFile, writeStatus, type DriftStatus, type SyncStatus } from './status.js';
import { liveDeployment, syncOnce } from './sync.js';

export interface WatchOptions {
  dir: string;
  prune: boolean;
  intervalMs: number;
  signal: AbortSignal;
  io: ApplyIo;
  /** Restore the manifest's spec of deployments changed on the server. */
  selfHeal?: boolean;
  /** How long to follow the rollouts of a commit before calling it degraded. */
  healthTimeoutMs?: number;
  notifyUrl?: string;
  /** Receives the "sync now" trigger (the command wires SIGHUP to it). */
  onSyncNow?: (trigger: () => void) => void;
  env?: NodeJS.ProcessEnv;
}

const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Resolves when the interval has passed, `wake` is called, or the signal aborts. A local
 * repository's refs are watched so that a commit is picked up at once; polling stays the
 * guarantee (file events can be missed, e.g. on network filesystems).
 */
class Ticker {
  private wakeUp: (() => void) | undefined;
  private pending = false;

  wake = (): void => {
    this.pending = true;
    this.wakeUp?.();
  };

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wakeUp = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wakeUp = done;
    });
  }
}

function watchRefs(source: GitSource, onChange: () => void): FSWatcher | undefined {
  if (!source.isLocal) return undefined;
  try {
    const w = watchFiles([join(source.gitDir, 'HEAD'), join(source.gitDir, 'refs'), join(source.gitDir, 'packed-refs')], {
      ignoreInitial: true,
      ignored: (p) => p.endsWith('.lock'),
    });
    w.on('all', onChange);
    w.on('error', () => undefined); // polling still covers it
    return w;
  } catch {
    return undefined;
  }
}

/** Drift of the desired state against the server, leaving out rollouts that failed at this commit. */
export function driftOf(desired: DesiredState, live: readonly LiveView[], repo: string, dir: string, failedHashes: ReadonlySet<string>): DriftStatus[] {
  const hashes = new Map(desired.deployments.map((d) => [`${d.namespace}/${d.name}`, d.hash]));
  return diffState(desired, live, { repo, dir, prune: false })
    .filter((e) => (e.action === 'create' || e.action === 'change') && !failedHashes.has(hashes.get(`${e.namespace}/${e.name}`) ?? ''))
    .map((e) => ({ namespace: e.namespace, name: e.name, kind: e.action === 'create' ? 'missing' : 'changed', fields: e.fields.map((f) => f.path) }));
}

export async function watchRepo(target: ApplyTarget, source: GitSource, opts: WatchOptions): Promise<void> {
  const { io, signal } = opts;
  const env = opts.env ?? process.env;
  const log = (line: string) => io.out(`[${stamp()}] ${line}`);
  const logErr = (line: string) => io.err(`[${stamp()}] ${line}`);
  const ticker = new Ticker();
  const refs = watchRefs(source, ticker.wake);
  let syncNow = false;
  opts.onSyncNow?.(() => {
    syncNow = true;
    ticker.wake();
  });

  const file = statusFile(source.id, opts.dir, env);
  const prior = readStatus(file);
  let status: SyncStatus = {
    version: 1, repo: source.id, path: opts.dir, ref: source.ref, deployments: [], errors: [], drift: [],
    ...(prior ? { revision: prior.revision, subject: prior.subject, synced_at: prior.synced_at, outcome: prior.outcome, deployments: prior.deployments, errors: prior.errors } : {}),
    watcher: { pid: process.pid, started_at: new Date().toISOString(), interval_ms: opts.intervalMs, self_heal: opts.selfHeal === true },
    updated_at: new Date().toISOString(),
  };
  const save = (patch: Partial<SyncStatus>) => {
    status = { ...status, ...patch, updated_at: new Date().toISOString() };
    try {
      writeStatus(file, status);
    } catch (e) {
      logErr(`cannot write the status file ${file}: ${errorText(e)}`);
    }
  };
  save({});

  let desired: DesiredState | undefined;
  /** Revision whose full pass completed (a failed one is retried on the next tick). */
  let synced: string | undefined;
  /** Hashes that failed at `synced` (apply refused, rollout failed): tried again only when a commit changes them. */
  let failedHashes = new Set<string>();
  let lastError = '';
  let lastDrift = '';
  let wasSuspended = false;

  log(`watching ${source.id} (${source.ref}, ${opts.dir || '.'}) every ${opts.intervalMs / 1000}s${opts.prune ? ', pruning' : ''}${opts.selfHeal ? ', self-healing' : ''}; status in ${file}`);
  try {
    while (!signal.aborted) {
      const suspended = isSuspended(source.id, opts.dir, env);
      if (suspended !== wasSuspended) {
        log(suspended ? 'suspended: no sync until `ring gitops resume`' : 'resumed');
        wasSuspended = suspended;
        save({});
      }
      if (suspended) {
        syncNow = false;
        await ticker.sleep(opts.intervalMs, signal);
        continue;
      }
      try {
        const revision = await source.revision();
        const now = syncNow;
        syncNow = false;
        if (revision !== synced || now) {
          if (desired?.revision !== revision) desired = await loadDesired(source, revision, opts.dir);
          log(`revision ${revision.slice(0, 12)}: syncing${now ? ' (sync now)' : ''}`);
          const r = await syncOnce(target, desired, { repo: source.id, dir: opts.dir, prune: opts.prune, full: true, quiet: true, io });
          synced = revision;
          log(`revision ${revision.slice(0, 12)}: ${r.applied} applied, ${r.unchanged} unchanged, ${r.pruned} pruned, ${r.failed} failed`);
          const subject = await source.subject(revision);
          save({ revision, subject, outcome: 'progressing', errors: r.errors, deployments: [], last_error: undefined });
          const s = await settle(target, r, { waitMs: opts.healthTimeoutMs ?? 300_000, signal, io });
          failedHashes = new Set([...r.failedHashes, ...s.failedHashes]);
          save({ synced_at: new Date().toISOString(), outcome: s.outcome, deployments: s.deployments });
          log(`revision ${revision.slice(0, 12)}: ${s.outcome}`);
          if (opts.notifyUrl) await notify(opts.notifyUrl, status, io);
        } else if (desired) {
          const live = await listLive(target, desired.deployments.map((d) => d.namespace));
          const drift = driftOf(desired, live, source.id, opts.dir, failedHashes);
          const changed = new Set(drift.filter((d) => d.kind === 'changed').map((d) => `${d.namespace}/${d.name}`));
          const text = JSON.stringify(drift);
          if (text !== lastDrift) {
            for (const d of drift) log(`drift: ${d.namespace}/${d.name} ${d.kind === 'missing' ? 'deleted on the server' : `changed on the server (${d.fields.join(', ')})`}`);
            lastDrift = text;
          }
          // Deleted workers are always re-applied; what was changed only with --self-heal.
          const r = await syncOnce(target, { ...desired, errors: [] }, {
            repo: source.id, dir: opts.dir, prune: opts.prune, full: false, quiet: true, io, skipHashes: failedHashes, onlyMissing: true,
            // The drift report's own listing (the desired namespaces): a replacement that lands after it
            // waits for the next poll, reported, instead of being healed silently from a later listing.
            // Pruning here sees only those namespaces; a new revision's full sync lists by repo label.
            live: live.map(liveDeployment),
            ...(opts.selfHeal && changed.size ? { alsoApply: changed } : {}),
          });
          for (const h of r.failedHashes) failedHashes.add(h);
          const healed = new Set(r.deployments.filter((d) => d.state === 'applied').map((d) => `${d.desired.namespace}/${d.desired.name}`));
          if (r.applied + r.pruned + r.failed > 0) {
            log(`drift at ${revision.slice(0, 12)}: ${r.applied} re-applied, ${r.pruned} pruned, ${r.failed} failed`);
          }
          save({
            drift: drift.map((d) => (healed.has(`${d.namespace}/${d.name}`) ? { ...d, healed: true } : d)),
            drift_checked_at: new Date().toISOString(),
          });
        }
        lastError = '';
      } catch (e) {
        // The server or the remote may be away for a while: say so once, keep polling.
        const msg = errorText(e);
        if (msg !== lastError) {
          logErr(`sync failed: ${msg}`);
          save({ last_error: { at: new Date().toISOString(), message: msg } });
        }
        lastError = msg;
      }
      await ticker.sleep(opts.intervalMs, signal);
    }
  } finally {
    await refs?.close().catch(() => undefined);
  }
  log('stopped');
}
