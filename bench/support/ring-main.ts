// The ring server as the benchmark runs it: its own process (so its CPU time and RSS are its own),
// started through the same startServer() as `ring server start`, on a free port of 127.0.0.1.
// Configuration comes from the environment (RING_*, DOCKER_HOST); logs go to RING_BENCH_LOG, written
// as `ring server start` writes stdout (synchronous writes, buffered per event-loop turn).
// Prints `RING_URL <url>` once listening; stops cleanly on SIGTERM.
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer } from '../../src/server/start.js';

const env = process.env;
const config = loadConfig({ env });
config.current = { ...config.current, host: '127.0.0.1', port: Number(env.RING_BENCH_PORT ?? 0) };
const sink = pino.destination({ dest: env.RING_BENCH_LOG ?? '/dev/null', sync: true, append: true });
const server = await startServer({ config, env, log: createLogger(config.logLevel, sink, undefined, { buffered: true }) });
process.stdout.write(`RING_URL ${server.url}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0); // the exit hook writes what the logger still buffers
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
