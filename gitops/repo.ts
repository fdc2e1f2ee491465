// Where gitops reads manifests from: a git repository, read at a commit (never the working tree,
// so uncommitted edits are not applied). A local path is read in place; a URL is fetched into a
// private bare cache repository.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';

export class GitSourceError extends Error {
  override name = 'GitSourceError';
}

/** Where fetched remotes are cached: $RING_GITOPS_CACHE_DIR, else $XDG_CACHE_HOME/ring/gitops, else ~/.cache/ring/gitops. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RING_GITOPS_CACHE_DIR) return env.RING_GITOPS_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ring', 'gitops');
}

/** `scheme://…` or scp-like `user@host:path` (never something git would take for an option). */
export function isGitUrl(s: string): boolean {
  if (s.startsWith('-')) return false;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[^/\s]+@[^/\s:]+:/.test(s);
}

/** The URL without credentials: it ends up in a label and in logs. */
export function redactUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).trim().split('\n')[0] ?? '';
}

export class GitSource {
  private readonly git: SimpleGit;

  private constructor(
    /** Stable identity of the repository: the absolute path of a local one, the redacted URL of a remote. */
    readonly id: string,
    /** The git directory read from (the repository's own, or the cache of a remote). */
    readonly gitDir: string,
    /** The branch (or any ref) followed; HEAD by default. */
    readonly ref: string,
    /** Set for a remote: fetched on every revision() call. */
    private readonly url?: string,
  ) {
    // Run from inside the git directory, which git accepts as the repository. The environment is
    // inherited as it is: simple-git's .env() refuses ordinary variables such as EDITOR or PAGER.
    this.git = simpleGit({ baseDir: gitDir });
  }

  get isLocal(): boolean {
    return this.url === undefined;
  }

  /** `repo` is an existing directory (a checkout or a bare repository) or a git URL. */
  static async open(repo: string, opts: { branch?: string; env?: NodeJS.ProcessEnv } = {}): Promise<GitSource> {
    const ref = opts.branch?.trim() || 'HEAD';
    const local = resolve(repo);
    if (existsSync(local) && statSync(local).isDirectory()) {
      const probe = simpleGit({ baseDir: local });
      let gitDir: string;
      let top: string;
      try {
        gitDir = (await probe.revparse(['--absolute-git-dir'])).trim();
        const bare = (await probe.revparse(['--is-bare-repository'])).trim() === 'true';
        top = bare ? gitDir : (await probe.revparse(['--show-toplevel'])).trim();
      } catch (e) {
        throw new GitSourceError(`'${repo}' is not a git repository (${errorText(e)})`);
      }
      return new GitSource(realpathSync(top), gitDir, ref);
    }
    if (!isGitUrl(repo)) throw new GitSourceError(`'${repo}' is neither a directory nor a git URL`);
    const id = redactUrl(repo);
    const gitDir = join(cacheRoot(opts.env), createHash('sha256').update(repo).digest('hex').slice(0, 16));
    if (!existsSync(join(gitDir, 'HEAD'))) {
      mkdirSync(gitDir, { recursive: true });
      await simpleGit({ baseDir: gitDir }).init(true, ['--quiet']);
    }
    return new GitSource(id, gitDir, ref, repo);
  }

  /** The commit the followed ref points at now (a remote is fetched first). */
  async revision(): Promise<string> {
    let rev = this.ref;
    if (this.url !== undefined) {
      rev = 'refs/ring-gitops/target';
      try {
        await this.git.raw(['fetch', '--quiet', '--no-tags', '--depth', '1', this.url, `+${this.ref}:${rev}`]);
      } catch (e) {
        throw new GitSourceError(`cannot fetch '${this.ref}' from ${this.id}: ${errorText(e)}`);
      }
    }
    const commit = await this.git.raw(['rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`]).catch(() => '');
    if (!/^[0-9a-f]{40,64}$/.test(commit.trim())) {
      throw new GitSourceError(`'${this.ref}' does not name a commit in ${this.id} (no such branch or ref, or no commit yet)`);
    }
    return commit.trim();
  }

  /** Repo-relative paths of every file under `dir` ('' = the root) at `rev`; undefined when `dir` is not a directory there. */
  async list(rev: string, dir: string): Promise<string[] | undefined> {
    if (dir !== '') {
      const type = await this.git.raw(['cat-file', '-t', `${rev}:${dir}`]).catch(() => '');
      if (type.trim() !== 'tree') return undefined;
    }
    const out = await this.git.raw(['ls-tree', '-r', '-z', '--name-only', rev, '--', ...(dir ? [dir] : [])]);
    return out.split('\0').filter(Boolean);
  }

  /** The first line of the commit message (for status and notifications); '' when unreadable. */
  async subject(rev: string): Promise<string> {
    return (await this.git.raw(['log', '-1', '--format=%s', rev]).catch(() => '')).trim();
  }

  async read(rev: string, file: string): Promise<string> {
    return this.git.raw(['cat-file', 'blob', `${rev}:${file}`]);
  }

  /** Synchronous read, for parseManifest's `readFile` callback (config `files:`). */
  readSync(rev: string, file: string): string {
    return execFileSync('git', ['--git-dir', this.gitDir, 'cat-file', 'blob', `${rev}:${file}`], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024,
    });
  }
}
