// dockerode, loaded without the two parts ring never calls until they are called. At require time
// dockerode pulls in its BuildKit session support (@grpc/grpc-js, protobufjs) and docker-modem its
// ssh:// transport (ssh2 and its crypto); together ~17 MB of the server's resident memory
// (measured: `import('dockerode')` adds 27 MB to a bare node's RSS, 10 MB with these two deferred).
// Ring talks to Docker over unix:// or tcp:// only and never builds images with a BuildKit session,
// so each is replaced, before dockerode loads, by a stand-in that loads the real module on its
// first call (an ssh:// modem or a session build still work, they just pay the load then).
import { createRequire, Module } from 'node:module';
import type DockerType from 'dockerode';

const require = createRequire(import.meta.url);
const dockerodeMain = require.resolve('dockerode');
const fromDockerode = createRequire(dockerodeMain);

/** Puts a stand-in for the CommonJS module at `path` into the require cache, unless it is loaded already. */
function deferred(path: string): void {
  const cache = require.cache;
  if (cache[path]) return;
  let real: ((...args: unknown[]) => unknown) | undefined;
  const load = (): ((...args: unknown[]) => unknown) => {
    if (!real) {
      delete cache[path];
      real = require(path) as (...args: unknown[]) => unknown;
    }
    return real;
  };
  const stand = new Module(path) as Module & { filename: string; loaded: boolean; exports: unknown };
  stand.filename = path;
  stand.loaded = true;
  stand.exports = function (this: unknown, ...args: unknown[]): unknown {
    return load().apply(this, args);
  };
  cache[path] = stand as NodeJS.Module;
}

// Both modules export a single function: ssh.js `(opt) => agent`, session.js `withSession(docker, auth, handler)`.
deferred(fromDockerode.resolve('./session.js'));
deferred(createRequire(fromDockerode.resolve('docker-modem')).resolve('./ssh.js'));

const Docker = require('dockerode') as typeof DockerType;
export default Docker;
