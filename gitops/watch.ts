// `ring gitops watch`: polls the repository every interval and syncs until the signal aborts.
// A new commit gets a full pass (namespaces, configs, deployments, prune); between commits a
// light pass re-applies only workers deleted on the server, so the server keeps matching git
// without replacing anything that already does.
import { join } from 'node:path';
import { watch as watchFiles, type FSWatcher } from 'chokidar';
import type { ApplyIo, ApplyTarget } from '../src/client/apply-manifest.js';
import { loadDesired, type DesiredState } from './desired.js';
import type { GitSource } from './repo.js';
import { syncOnce } from './sync.js';

export interface WatchOptions {
  dir: string;
  prune: boolean;
  intervalMs: number;
  signal: AbortSignal;
  io: ApplyIo;
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

export async function watchRepo(target: ApplyTarget, source: GitSource, opts: WatchOptions): Promise<void> {
  const { io, signal } = opts;
  const log = (line: string) => io.out(`[${stamp()}] ${line}`);
  const logErr = (line: string) => io.err(`[${stamp()}] ${line}`);
  const ticker = new Ticker();
  const refs = watchRefs(source, ticker.wake);

  let desired: DesiredState | undefined;
  /** Revision whose full pass completed (a failed one is retried on the next tick). */
  let synced: string | undefined;
  /** Hashes that failed at `synced`: tried again only when a commit changes them. */
  let failedHashes = new Set<string>();
  let lastError = '';

  log(`watching ${source.id} (${source.ref}, ${opts.dir || '.'}) every ${opts.intervalMs / 1000}s${opts.prune ? ', pruning' : ''}`);
  try {
    while (!signal.aborted) {
      try {
        const revision = await source.revision();
        if (revision !== synced) {
          if (desired?.revision !== revision) desired = await loadDesired(source, revision, opts.dir);
          log(`revision ${revision.slice(0, 12)}: syncing`);
          const r = await syncOnce(target, desired, {
            repo: source.id, dir: opts.dir, prune: opts.prune, full: true, quiet: true, io,
          });
          failedHashes = new Set(r.failedHashes);
          synced = revision;
          log(`revision ${revision.slice(0, 12)}: ${r.applied} applied, ${r.unchanged} unchanged, ${r.pruned} pruned, ${r.failed} failed`);
        } else if (desired) {
          const r = await syncOnce(target, { ...desired, errors: [] }, {
            repo: source.id, dir: opts.dir, prune: opts.prune, full: false, quiet: true, io, skipHashes: failedHashes, onlyMissing: true,
          });
          for (const h of r.failedHashes) failedHashes.add(h);
          if (r.applied + r.pruned + r.failed > 0) {
            log(`drift at ${revision.slice(0, 12)}: ${r.applied} re-applied, ${r.pruned} pruned, ${r.failed} failed`);
          }
        }
        lastError = '';
      } catch (e) {
        // The server or the remote may be away for a while: say so once, keep polling.
        const msg = errorText(e);
        if (msg !== lastError) logErr(`sync failed: ${msg}`);
        lastError = msg;
      }
      await ticker.sleep(opts.intervalMs, signal);
    }
  } finally {
    await refs?.close().catch(() => undefined);
  }
  log('stopped');
}
