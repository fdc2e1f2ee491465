// GitSource + loadDesired against real git repositories (local path and file:// URL); no server.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDesired, normalizeDir, PathMissingError, underDir } from '../../../gitops/desired.js';
import { LABEL_REPO, LABEL_SOURCE } from '../../../gitops/labels.js';
import { GitSource, GitSourceError, isGitUrl, redactUrl } from '../../../gitops/repo.js';
import { TestRepo, workerManifest } from '../../helpers/git-repo.js';

describe('gitops desired state', () => {
  const repos: TestRepo[] = [];
  const cache = mkdtempSync(join(tmpdir(), 'ring-gitops-cache.'));
  after(() => {
    for (const r of repos) r.remove();
    rmSync(cache, { recursive: true, force: true });
  });
  const newRepo = () => {
    const r = new TestRepo();
    repos.push(r);
    return r;
  };

  it('reads every manifest under the path at the committed revision, not the working tree', async () => {
    const repo = newRepo();
    repo.write('manifests/.gitkeep', '')
      .write('manifests/a.yaml', workerManifest('a', 'ns1', 'img:1'))
      .write('manifests/sub/b.yml', workerManifest('b', 'ns1', 'img:1', 3))
      .write('manifests/README.md', '# not a manifest')
      .write('other/c.yaml', workerManifest('c', 'ns1', 'img:1'));
    const rev = repo.commit('first');
    repo.write('manifests/a.yaml', workerManifest('a', 'ns1', 'img:UNCOMMITTED'));

    const source = await GitSource.open(repo.dir);
    assert.equal(source.isLocal, true);
    assert.equal(await source.revision(), rev);
    const state = await loadDesired(source, rev, 'manifests');
    assert.deepEqual(state.errors, []);
    assert.deepEqual(state.deployments.map((d) => [d.source, d.name, d.deployment.spec.replicas]), [
      ['manifests/a.yaml', 'a', 1], ['manifests/sub/b.yml', 'b', 3],
    ]);
    const a = state.deployments[0]!.deployment.spec;
    assert.equal(a.image, 'img:1');
    assert.equal(a.labels[LABEL_SOURCE], 'manifests/a.yaml');
    assert.equal(a.labels[LABEL_REPO], source.id);
    assert.deepEqual((await loadDesired(source, rev, '')).deployments.map((d) => d.name), ['a', 'b', 'c']);
  });

  it('follows a branch, and refuses a path that is not in the commit', async () => {
    const repo = newRepo();
    repo.write('m/a.yaml', workerManifest('a', 'ns', 'img:1'));
    repo.commit('main');
    repo.git('checkout', '-q', '-b', 'next');
    repo.write('m/a.yaml', workerManifest('a', 'ns', 'img:2'));
    const next = repo.commit('next');
    repo.git('checkout', '-q', 'main');

    const source = await GitSource.open(repo.dir, { branch: 'next' });
    assert.equal(await source.revision(), next);
    assert.equal((await loadDesired(source, next, 'm')).deployments[0]!.deployment.spec.image, 'img:2');
    await assert.rejects(loadDesired(source, next, 'nope'), PathMissingError);
  });

  it('reports a broken manifest and a duplicate, and keeps their sources from being pruned', async () => {
    const repo = newRepo();
    repo.write('m/bad.yaml', 'deployments: [unclosed')
      .write('m/a.yaml', workerManifest('a', 'ns', 'img:1'))
      .write('m/dup.yaml', workerManifest('a', 'ns', 'img:9'));
    const rev = repo.commit('mixed');
    const state = await loadDesired(await GitSource.open(repo.dir), rev, 'm');
    assert.deepEqual(state.deployments.map((d) => d.source), ['m/a.yaml']);
    assert.deepEqual([...state.broken].sort(), ['m/bad.yaml', 'm/dup.yaml']);
    assert.equal(state.errors.length, 2);
    assert.match(state.errors.join('\n'), /m\/bad\.yaml: invalid manifest/);
    assert.match(state.errors.join('\n'), /m\/dup\.yaml: deployment 'a' \(ns\/a\) is already declared in m\/a\.yaml/);
  });

  it('reads config files relative to the manifest, from the same commit, and not outside the repository', async () => {
    const repo = newRepo();
    repo.write('m/app.conf', 'port=80\n')
      .write('m/a.yaml', `configs:\n  c:\n    name: c\n    namespace: ns\n    files:\n      app.conf: app.conf\n${workerManifest('a', 'ns', 'img:1')}`)
      .write('m/escape.yaml', `configs:\n  c:\n    name: d\n    namespace: ns\n    files:\n      x: ../../../etc/passwd\n${workerManifest('e', 'ns', 'img:1')}`);
    const rev = repo.commit('configs');
    const state = await loadDesired(await GitSource.open(repo.dir), rev, 'm');
    assert.deepEqual(state.files.map((f) => [f.path, f.configs.map((c) => c.data)]), [['m/a.yaml', ['{"app.conf":"port=80\\n"}']]]);
    assert.match(state.errors.join('\n'), /m\/escape\.yaml: config 'c': failed to read file .*outside the repository/);
  });

  it('fetches a remote URL into the cache, and sees new commits', async () => {
    const repo = newRepo();
    repo.write('m/a.yaml', workerManifest('a', 'ns', 'img:1'));
    const first = repo.commit('one');
    const source = await GitSource.open(`file://${repo.dir}`, { env: { RING_GITOPS_CACHE_DIR: cache } });
    assert.equal(source.isLocal, false);
    assert.equal(source.id, `file://${repo.dir}`);
    assert.equal(await source.revision(), first);
    repo.write('m/a.yaml', workerManifest('a', 'ns', 'img:2'));
    const second = repo.commit('two');
    assert.equal(await source.revision(), second);
    assert.equal((await loadDesired(source, second, 'm')).deployments[0]!.deployment.spec.image, 'img:2');
  });

  it('refuses what is neither a repository nor a URL', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'ring-not-a-repo.'));
    try {
      await assert.rejects(GitSource.open(plain), (e: unknown) => e instanceof GitSourceError && /not a git repository/.test(e.message));
      await assert.rejects(GitSource.open(join(plain, 'missing')), /neither a directory nor a git URL/);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });

  it('normalizes directories and URLs', () => {
    assert.equal(normalizeDir('./manifests/'), 'manifests');
    assert.equal(normalizeDir('.'), '');
    assert.equal(normalizeDir('/'), '');
    assert.equal(normalizeDir(undefined), '');
    assert.equal(underDir('manifests/a.yaml', 'manifests'), true);
    assert.equal(underDir('manifests-old/a.yaml', 'manifests'), false);
    assert.equal(isGitUrl('git@github.com:org/repo.git'), true);
    assert.equal(isGitUrl('https://example.com/r.git'), true);
    assert.equal(isGitUrl('./repo'), false);
    assert.equal(isGitUrl('--upload-pack=touch@x:y'), false);
    assert.equal(redactUrl('https://user:secret@example.com/r.git'), 'https://example.com/r.git');
  });
});
