// `ring gitops sync|watch|diff|status|suspend|resume`: keep the server in sync with a git
// repository of manifests (gitops/), see what a sync would do, and read what the watcher recorded.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { GitSource } from '../../../gitops/repo.js';
import type { SyncStatus } from '../../../gitops/status.js';
import type { LiveView } from '../../../gitops/diff.js';
import { parseDuration } from '../../domain/durations.js';
import { stdio } from '../../client/apply-manifest.js';
import { CliError, EXIT } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { openSession } from '../../client/session.js';
import { err, out } from '../output.js';

interface SourceOptions {
  repo: string;
  path?: string;
  branch?: string;
  prune?: boolean;
}

/** A commit applied but a rollout failed or timed out: the CLI's rollout-failed code, as `apply --wait`. */
export const GITOPS_EXIT = { DEGRADED: EXIT.ROLLOUT_FAILED } as const;

// simple-git and chokidar are loaded only when a gitops command runs, not by every `ring` command.
async function loadGitops() {
  const [repo, desired, sync, watch, diff, status, record] = await Promise.all([
    import('../../../gitops/repo.js'),
    import('../../../gitops/desired.js'),
    import('../../../gitops/sync.js'),
    import('../../../gitops/watch.js'),
    import('../../../gitops/diff.js'),
    import('../../../gitops/status.js'),
    import('../../../gitops/record.js'),
  ]);
  return { ...repo, ...desired, ...sync, ...watch, ...diff, ...status, ...record };
}

type Gitops = Awaited<ReturnType<typeof loadGitops>>;

function duration(min: number, example: string) {
  return (raw: string): number => {
    const ms = parseDuration(raw);
    if (ms === null || ms < min) throw new InvalidArgumentError(`expected a duration of at least ${min}ms, e.g. ${example}.`);
    return ms;
  };
}

/** Git problems (no such repository, unreachable remote, missing path) are one error line, exit 1 (`code`). */
async function gitStep<T>(g: Gitops, step: () => Promise<T>, code: number = EXIT.GENERAL): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof g.GitSourceError || e instanceof g.PathMissingError) throw new CliError(`error: ${e.message}`, code);
    throw e;
  }
}

function openSource(g: Gitops, opts: SourceOptions, code?: number): Promise<GitSource> {
  return gitStep(g, () => g.GitSource.open(opts.repo, { branch: opts.branch }), code);
}

function sourceOptions(cmd: Command, prune = true): Command {
  cmd
    .requiredOption('--repo <path-or-url>', 'git repository: a local checkout (its committed HEAD) or a URL to fetch')
    .option('--path <dir>', 'directory of the repository holding the manifests (*.yaml, *.yml, *.json), recursively', '.')
    .option('--branch <name>', 'branch (or ref) to follow (default: HEAD)');
  return prune ? cmd.option('--prune', 'delete deployments this repository applied whose manifest was removed') : cmd;
}

function outcomeCode(outcome: SyncStatus['outcome']): number {
  return outcome === 'failed' ? EXIT.GENERAL : outcome === 'degraded' ? GITOPS_EXIT.DEGRADED : EXIT.OK;
}

/** Sends SIGHUP to the running watcher and waits until it recorded a pass that started after it. */
async function syncNow(g: Gitops, source: GitSource, dir: string, timeoutMs: number): Promise<SyncStatus> {
  const file = g.statusFile(source.id, dir);
  const before = g.readStatus(file);
  if (!before?.watcher || !g.watcherAlive(before)) {
    throw new CliError(`error: no \`ring gitops watch\` is running for ${source.id} (${dir || '.'}); run \`ring gitops sync\` without --now for a one-off sync`, EXIT.GENERAL);
  }
  if (g.isSuspended(source.id, dir)) throw new CliError(`error: the watcher of ${source.id} (${dir || '.'}) is suspended; \`ring gitops resume\` first`, EXIT.GENERAL);
  const asked = Date.now();
  process.kill(before.watcher.pid, 'SIGHUP');
  out(`Asked the watcher (pid ${before.watcher.pid}) to sync now…`);
  const end = asked + timeoutMs;
  for (;;) {
    const s = g.readStatus(file);
    const synced = Date.parse(s?.synced_at ?? '');
    const failed = Date.parse(s?.last_error?.at ?? '');
    if (s && (synced >= asked || failed >= asked)) return s;
    if (Date.now() > end) throw new CliError(`error: the watcher did not finish a sync within ${Math.round(timeoutMs / 1000)}s (see ${file})`, EXIT.CONNECTION);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function registerGitops(program: Command): void {
  const gitops = program
    .command('gitops')
    .description('apply the manifests of a git repository, once or continuously; diff, status, suspend/resume')
    .addHelpText('after', `
Every deployment applied is labelled ring.gitops/source=<manifest path>, ring.gitops/repo=<repository>
and ring.gitops/hash=<content hash>: an unchanged manifest is not re-applied, and --prune only ever
deletes deployments carrying this repository's label (never ones applied by hand).

Status: each sync records <cache>/status/<hash of repo+path>.json (cache: $RING_GITOPS_CACHE_DIR, else
$XDG_CACHE_HOME/ring/gitops, else ~/.cache/ring/gitops); \`ring gitops status\` reads it.
Exit codes: 0 healthy/no changes, 1 failed (or diff: changes found), 2 auth/usage, 3 connection, 6 degraded
(applied, but a rollout failed or timed out).`);

  sourceOptions(gitops.command('sync'))
    .description('apply the manifests at the current commit once (or, with --now, ask the running watcher to sync)')
    .option('-d, --dry-run', 'show what would be applied and pruned without changing anything')
    .option('--wait', 'follow the rollouts the sync started and report the commit healthy, degraded or failed')
    .addOption(new Option('--timeout <duration>', 'with --wait/--now: how long to wait').argParser(duration(100, '5m')).default(300_000, '5m'))
    .option('--now', 'ask the `ring gitops watch` of this repository and path to sync now (SIGHUP) and print its result')
    .action(async (opts: SourceOptions & { dryRun?: boolean; wait?: boolean; timeout: number; now?: boolean }, cmd: Command) => {
      const g = await loadGitops();
      const source = await openSource(g, opts);
      const dir = g.normalizeDir(opts.path);
      if (opts.now) {
        const s = await syncNow(g, source, dir, opts.timeout);
        for (const l of g.renderStatus(s, { alive: g.watcherAlive(s), suspended: g.isSuspended(source.id, dir), now: Date.now() })) out(l);
        if (s.last_error && Date.parse(s.last_error.at) >= Date.parse(s.synced_at ?? '')) throw new CliError(`error: ${s.last_error.message}`, EXIT.GENERAL);
        const code = outcomeCode(s.outcome);
        if (code !== EXIT.OK) throw new CliError('', code);
        return;
      }
      const session = openSession(globalsOf(cmd));
      const revision = await gitStep(g, () => source.revision());
      const desired = await gitStep(g, () => g.loadDesired(source, revision, dir));

      out(`Syncing ${source.id} at ${revision.slice(0, 12)} (${dir || '.'})${opts.dryRun ? ' — dry run' : ''}`);
      const r = await g.syncOnce(session, desired, {
        repo: source.id, dir, prune: opts.prune === true, dryRun: opts.dryRun, full: true, io: stdio,
      });
      let settled: Awaited<ReturnType<Gitops['settle']>> | undefined;
      if (!opts.dryRun) {
        if (opts.wait) out('Waiting for the rollouts…');
        settled = await g.settle(session, r, { waitMs: opts.wait ? opts.timeout : 0, io: stdio });
        // A one-off sync records its result too (no watcher fields), so `status` shows it.
        const file = g.statusFile(source.id, dir);
        const prior = g.readStatus(file);
        const now = new Date().toISOString();
        g.writeStatus(file, {
          version: 1, repo: source.id, path: dir, ref: source.ref, revision, subject: await source.subject(revision), synced_at: now,
          outcome: settled.outcome, deployments: settled.deployments, errors: r.errors, drift: prior?.drift ?? [],
          ...(prior?.drift_checked_at ? { drift_checked_at: prior.drift_checked_at } : {}),
          ...(prior?.watcher ? { watcher: prior.watcher } : {}), updated_at: now,
        });
      }
      out();
      out('Summary:');
      out(`  ${opts.dryRun ? 'To apply' : 'Applied'}: ${r.applied}`);
      out(`  Unchanged: ${r.unchanged}`);
      if (opts.prune) out(`  ${opts.dryRun ? 'To prune' : 'Pruned'}: ${r.pruned}`);
      if (r.failed > 0) out(`  Failed: ${r.failed}`);
      if (settled && opts.wait) out(`  Outcome: ${settled.outcome}`);
      if (r.firstFailure !== undefined) throw new CliError('', r.firstFailure);
      if (settled && opts.wait && settled.outcome === 'degraded') throw new CliError('', GITOPS_EXIT.DEGRADED);
    });

  sourceOptions(gitops.command('watch'))
    .description('sync now and on every new commit, follow its rollouts, record the status, report drift; until SIGINT/SIGTERM (SIGHUP: sync now)')
    .addOption(new Option('--interval <duration>', 'how often to poll the repository and check for drift').argParser(duration(100, '2s, 500ms, 1m')).default(10_000, '10s'))
    .option('--self-heal', 'restore the manifest\'s spec of deployments changed on the server (deleted workers are always re-applied)')
    .option('--notify <webhook-url>', 'POST a JSON gitops.synced message (commit, outcome, deployments, errors) after each commit')
    .addOption(new Option('--health-timeout <duration>', 'how long to follow a commit\'s rollouts before calling it degraded').argParser(duration(100, '5m')).default(300_000, '5m'))
    .action(async (opts: SourceOptions & { interval: number; selfHeal?: boolean; notify?: string; healthTimeout: number }, cmd: Command) => {
      const session = openSession(globalsOf(cmd));
      if (opts.notify !== undefined && !/^https?:\/\/[^\s]+$/.test(opts.notify)) {
        throw new CliError(`error: --notify needs an http(s) URL, got '${opts.notify}'`, EXIT.AUTH);
      }
      // Unattended: fetching a remote that wants a password must fail, not wait at a prompt.
      process.env.GIT_TERMINAL_PROMPT ??= '0';
      const g = await loadGitops();
      const source = await openSource(g, opts);
      const stop = new AbortController();
      const onSignal = () => {
        stop.abort();
        // A request in flight may take up to the client timeout; do not make the caller wait for it.
        setTimeout(() => process.exit(EXIT.OK), 5_000).unref();
      };
      let trigger: (() => void) | undefined;
      const onHup = () => trigger?.();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      process.on('SIGHUP', onHup);
      try {
        await g.watchRepo(session, source, {
          dir: g.normalizeDir(opts.path), prune: opts.prune === true, intervalMs: opts.interval, signal: stop.signal, io: stdio,
          selfHeal: opts.selfHeal === true, healthTimeoutMs: opts.healthTimeout,
          ...(opts.notify ? { notifyUrl: opts.notify } : {}),
          onSyncNow: (t) => { trigger = t; },
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.off('SIGHUP', onHup);
      }
    });

  sourceOptions(gitops.command('diff'))
    .description('what a sync would change, per deployment and field (exit 0: none, 1: changes, >1: error, as kubectl diff)')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: SourceOptions & { output: string }, cmd: Command) => {
      if (opts.output !== 'text' && opts.output !== 'json') throw new CliError(`error: --output must be text or json, got '${opts.output}'`, EXIT.AUTH);
      // Errors are never 1 here: 1 means "there are differences".
      const session = openSession(globalsOf(cmd));
      const g = await loadGitops();
      const source = await openSource(g, opts, EXIT.AUTH);
      const dir = g.normalizeDir(opts.path);
      const revision = await gitStep(g, () => source.revision(), EXIT.AUTH);
      const desired = await gitStep(g, () => g.loadDesired(source, revision, dir), EXIT.AUTH);
      if (desired.errors.length) {
        throw new CliError(desired.errors.map((e) => `Error: ${e}`).join('\n'), EXIT.AUTH);
      }
      let live: LiveView[];
      try {
        live = await g.listLive(session, desired.deployments.map((d) => d.namespace));
        if (opts.prune) {
          const owned = await session.client.GET('/deployments', { params: { query: { label: [`ring.gitops/repo=${source.id}`] } } });
          if (owned.data) { const seen = new Set(live.map((x) => x.id)); live = [...live, ...owned.data.filter((d) => !seen.has(d.id))]; }
        }
      } catch (e) {
        if (e instanceof CliError) throw new CliError(e.message, Math.max(2, e.exitCode));
        throw new CliError(`error: ${e instanceof Error ? e.message : String(e)}`, EXIT.AUTH);
      }
      const entries = g.diffState(desired, live, { repo: source.id, dir, prune: opts.prune === true });
      const c = g.summarize(entries);
      if (opts.output === 'json') out(JSON.stringify({ revision, entries, summary: c }, null, 2));
      else {
        out(`Diff of ${source.id} at ${revision.slice(0, 12)} (${dir || '.'}) against the server:`);
        for (const l of g.renderDiff(entries)) out(l);
        out(`${c.create} to create, ${c.change} to change, ${c.unchanged} unchanged${opts.prune ? `, ${c.prune} to prune` : ''}`);
      }
      if (c.create + c.change + c.prune > 0) throw new CliError('', 1);
    });

  gitops.command('status')
    .description('what the watcher (or the last sync) recorded: last synced commit, time, outcome per deployment, errors, drift')
    .option('--repo <path-or-url>', 'only this repository (with --path); default: every recorded one')
    .option('--path <dir>', 'directory of the repository holding the manifests', '.')
    .option('--branch <name>', 'branch (or ref) followed')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: { repo?: string; path?: string; branch?: string; output: string }) => {
      const g = await loadGitops();
      let found: { file: string; status: SyncStatus }[];
      if (opts.repo) {
        const source = await openSource(g, { repo: opts.repo, ...(opts.branch ? { branch: opts.branch } : {}) });
        const dir = g.normalizeDir(opts.path);
        const file = g.statusFile(source.id, dir);
        const s = g.readStatus(file);
        if (!s) throw new CliError(`error: nothing recorded for ${source.id} (${dir || '.'}) yet (looked for ${file}); run \`ring gitops sync\` or \`watch\``, EXIT.NOT_FOUND);
        found = [{ file, status: s }];
      } else {
        found = g.listStatuses();
        if (found.length === 0) throw new CliError(`error: no gitops status recorded in ${g.statusDir()}`, EXIT.NOT_FOUND);
      }
      const now = Date.now();
      if (opts.output === 'json') {
        out(JSON.stringify(found.map((f) => ({ ...f.status, file: f.file, watcher_running: g.watcherAlive(f.status), suspended: g.isSuspended(f.status.repo, f.status.path) })), null, 2));
        return;
      }
      found.forEach((f, i) => {
        if (i > 0) out();
        for (const l of g.renderStatus(f.status, { alive: g.watcherAlive(f.status), suspended: g.isSuspended(f.status.repo, f.status.path), now })) out(l);
      });
    });

  for (const [name, on] of [['suspend', true], ['resume', false]] as const) {
    sourceOptions(gitops.command(name), false)
      .description(on ? 'pause the watcher of this repository and path (it keeps running, syncs nothing)' : 'let a suspended watcher sync again (at once)')
      .action(async (opts: SourceOptions) => {
        const g = await loadGitops();
        const source = await openSource(g, opts);
        const dir = g.normalizeDir(opts.path);
        g.setSuspended(source.id, dir, on);
        const s = g.readStatus(g.statusFile(source.id, dir));
        const alive = s ? g.watcherAlive(s) : false;
        out(`${on ? 'Suspended' : 'Resumed'} gitops for ${source.id} (${dir || '.'})${alive ? '' : ' — no watcher is running right now'}`);
        if (!on && alive && s?.watcher) process.kill(s.watcher.pid, 'SIGHUP');
        if (on && !alive) err('  (the flag is kept: a watcher started later stays suspended until resume)');
      });
  }
}
