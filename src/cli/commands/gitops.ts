// `ring gitops sync|watch`: keep the server in sync with a git repository of manifests (gitops/).
import { Command, InvalidArgumentError, Option } from 'commander';
import type { GitSource } from '../../../gitops/repo.js';
import { parseDuration } from '../../domain/durations.js';
import { stdio } from '../../client/apply-manifest.js';
import { CliError, EXIT } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { openSession } from '../../client/session.js';
import { out } from '../output.js';

interface SourceOptions {
  repo: string;
  path?: string;
  branch?: string;
  prune?: boolean;
}

// simple-git and chokidar are loaded only when a gitops command runs, not by every `ring` command.
async function loadGitops() {
  const [repo, desired, sync, watch] = await Promise.all([
    import('../../../gitops/repo.js'),
    import('../../../gitops/desired.js'),
    import('../../../gitops/sync.js'),
    import('../../../gitops/watch.js'),
  ]);
  return { ...repo, ...desired, ...sync, ...watch };
}

type Gitops = Awaited<ReturnType<typeof loadGitops>>;

function interval(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === null || ms < 100) throw new InvalidArgumentError('expected a duration of at least 100ms, e.g. 2s, 500ms, 1m.');
  return ms;
}

/** Git problems (no such repository, unreachable remote, missing path) are one error line, exit 1. */
async function gitStep<T>(g: Gitops, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof g.GitSourceError || e instanceof g.PathMissingError) throw new CliError(`error: ${e.message}`, EXIT.GENERAL);
    throw e;
  }
}

function openSource(g: Gitops, opts: SourceOptions): Promise<GitSource> {
  return gitStep(g, () => g.GitSource.open(opts.repo, { branch: opts.branch }));
}

function sourceOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--repo <path-or-url>', 'git repository: a local checkout (its committed HEAD) or a URL to fetch')
    .option('--path <dir>', 'directory of the repository holding the manifests (*.yaml, *.yml, *.json), recursively', '.')
    .option('--branch <name>', 'branch (or ref) to follow (default: HEAD)')
    .option('--prune', 'delete deployments this repository applied whose manifest was removed');
}

export function registerGitops(program: Command): void {
  const gitops = program
    .command('gitops')
    .description('apply the manifests of a git repository, once or continuously')
    .addHelpText('after', `
Every deployment applied is labelled ring.gitops/source=<manifest path>, ring.gitops/repo=<repository>
and ring.gitops/hash=<content hash>: an unchanged manifest is not re-applied, and --prune only ever
deletes deployments carrying this repository's label (never ones applied by hand).`);

  sourceOptions(gitops.command('sync'))
    .description('apply the manifests at the current commit once')
    .option('-d, --dry-run', 'show what would be applied and pruned without changing anything')
    .action(async (opts: SourceOptions & { dryRun?: boolean }, cmd: Command) => {
      const session = openSession(globalsOf(cmd));
      const g = await loadGitops();
      const source = await openSource(g, opts);
      const dir = g.normalizeDir(opts.path);
      const revision = await gitStep(g, () => source.revision());
      const desired = await gitStep(g, () => g.loadDesired(source, revision, dir));

      out(`Syncing ${source.id} at ${revision.slice(0, 12)} (${dir || '.'})${opts.dryRun ? ' — dry run' : ''}`);
      const r = await g.syncOnce(session, desired, {
        repo: source.id, dir, prune: opts.prune === true, dryRun: opts.dryRun, full: true, io: stdio,
      });
      out();
      out('Summary:');
      out(`  ${opts.dryRun ? 'To apply' : 'Applied'}: ${r.applied}`);
      out(`  Unchanged: ${r.unchanged}`);
      if (opts.prune) out(`  ${opts.dryRun ? 'To prune' : 'Pruned'}: ${r.pruned}`);
      if (r.failed > 0) out(`  Failed: ${r.failed}`);
      if (r.firstFailure !== undefined) throw new CliError('', r.firstFailure);
    });

  sourceOptions(gitops.command('watch'))
    .description('sync now and on every new commit (re-applying workers deleted on the server in between) until SIGINT/SIGTERM')
    .addOption(new Option('--interval <duration>', 'how often to poll the repository').argParser(interval).default(10_000, '10s'))
    .action(async (opts: SourceOptions & { interval: number }, cmd: Command) => {
      const session = openSession(globalsOf(cmd));
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
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await g.watchRepo(session, source, {
          dir: g.normalizeDir(opts.path), prune: opts.prune === true, intervalMs: opts.interval, signal: stop.signal, io: stdio,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
