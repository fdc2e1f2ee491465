// Liveness, the spec itself, and the host ring runs on.
import os from 'node:os';
import { json, type Handler } from './context.js';

const GIB = 1024 ** 3;
const round2 = (n: number) => Math.round(n * 100) / 100;

export const getHealth: Handler<'getHealth'> = () => json(200, { state: 'UP' });

export const getOpenApiSpec: Handler<'getOpenApiSpec'> = ({ services }) =>
  ({ status: 200, body: services.specText, contentType: 'application/yaml' });

export const getNode: Handler<'getNode'> = () =>
  json(200, {
    hostname: os.hostname(),
    os: os.platform(),
    arch: os.arch(),
    uptime: `${Math.floor(os.uptime())}s`,
    cpu_count: os.cpus().length,
    memory_total: round2(os.totalmem() / GIB),
    memory_available: round2(os.freemem() / GIB),
    load_average: os.loadavg().map(round2),
  });
