// A throwaway git repository in a temp dir, committed to with the real git binary.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'ring tests', GIT_AUTHOR_EMAIL: 'tests@example.invalid',
  GIT_COMMITTER_NAME: 'ring tests', GIT_COMMITTER_EMAIL: 'tests@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
};

export class TestRepo {
  readonly dir: string;

  constructor(prefix = 'ring-gitops-repo.') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.git('init', '-q', '-b', 'main');
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-C', this.dir, ...args], { encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
  }

  write(path: string, text: string): this {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true });
    writeFileSync(join(this.dir, path), text);
    return this;
  }

  /** Stages everything and commits; returns the new commit id. */
  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A one-worker manifest in the format `ring apply` reads. */
export function workerManifest(name: string, namespace: string, image: string, replicas = 1, extra = ''): string {
  return [
    'deployments:',
    `  ${name}:`,
    `    name: "${name}"`,
    `    namespace: "${namespace}"`,
    `    image: "${image}"`,
    `    replicas: ${replicas}`,
    '    config:',
    '      image_pull_policy: IfNotPresent',
    extra,
  ].join('\n');
}
