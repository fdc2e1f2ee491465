// The Docker adapter's pure parsing: host URLs, image references, pull-error text and event lines.
// No daemon needed (moved out of the integration folder); the daemon tests cannot reach these
// branches anyway (no auth-protected registry there).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuntimeError } from '../../../src/runtime/runtime.js';
import { parseDockerHost } from '../../../src/runtime/docker/index.js';
import { classifyPullError } from '../../../src/runtime/docker/errors.js';
import { parseEvent } from '../../../src/runtime/docker/events.js';
import { parseImageRef } from '../../../src/runtime/docker/images.js';

describe('docker adapter parsing', () => {
  it('reads unix and tcp host URLs', () => {
    assert.deepEqual(parseDockerHost('unix:///var/run/docker.sock'), { socketPath: '/var/run/docker.sock' });
    assert.deepEqual(parseDockerHost('tcp://10.0.0.1:2375'), { host: 'tcp://10.0.0.1:2375' });
    assert.throws(() => parseDockerHost('ftp://x'), RuntimeError);
  });

  it('splits image references into repository and tag or digest', () => {
    assert.equal(parseImageRef('nginx').ref, 'nginx:latest');
    assert.deepEqual(parseImageRef('127.0.0.1:5000/app'), { repository: '127.0.0.1:5000/app', tagOrDigest: 'latest', isDigest: false, ref: '127.0.0.1:5000/app:latest' });
    assert.equal(parseImageRef('127.0.0.1:5000/app:v2').tagOrDigest, 'v2');
    assert.deepEqual(parseImageRef('app:v1@sha256:abc'), { repository: 'app', tagOrDigest: 'sha256:abc', isDigest: true, ref: 'app@sha256:abc' });
  });

  it('classifies pull errors: missing beats denied, then auth, then unreachable, else raw', () => {
    const c = (text: string, status?: number) => classifyPullError('img', 'img:1', text, status);
    assert.equal(c('pull access denied for img, repository does not exist', 404).reason, 'image_not_found');
    assert.equal(c('manifest unknown').reason, 'image_not_found');
    const auth = c('unauthorized: authentication required');
    assert.equal(auth.reason, 'image_pull_failed');
    assert.match(auth.message, /^Failed to pull image 'img': registry authentication failed for 'img:1' — check config\.server, config\.username and config\.password/);
    assert.match(classifyPullError('img', 'img:1', 'unauthorized', undefined, 'the registry refused the host\'s credentials').message,
      /registry authentication failed for 'img:1' — the registry refused the host's credentials \(original error: unauthorized\)$/);
    assert.match(c('dial tcp: lookup reg: no such host').message, /cannot reach the registry for 'img:1'/);
    assert.equal(c('something odd').message, "Failed to pull image 'img': something odd");
  });

  it('parses die events with their exit code and ignores others', () => {
    const line = JSON.stringify({ Type: 'container', Action: 'die', Actor: { ID: 'abc', Attributes: { exitCode: '137', ring_deployment: 'd1' } }, timeNano: 1_700_000_000_123_000_000 });
    assert.deepEqual(parseEvent(line), { kind: 'die', instanceId: 'abc', deploymentId: 'd1', exitCode: 137, at: 1_700_000_000_123 });
    assert.equal(parseEvent(JSON.stringify({ Type: 'container', Action: 'exec_start: sh' })), null);
    assert.equal(parseEvent('{"truncated'), null);
  });
});

