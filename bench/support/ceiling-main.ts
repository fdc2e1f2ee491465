// The ceiling of the API benchmark: a hapi server in its own process, set up like ring's (same
// hapi, 127.0.0.1, JSON responses), whose routes return constants: GET /tiny a small object, GET
// /body the bytes in RING_CEILING_BODY (the response ring gave for the same request, so the
// ceiling pays for writing as many bytes; held as a Buffer, as ring holds its cached list, so
// neither converts a string per request). Prints `CEILING_URL <url>`.
import { readFileSync } from 'node:fs';
import Hapi from '@hapi/hapi';

const body = readFileSync(process.env.RING_CEILING_BODY!);
const server = Hapi.server({ host: '127.0.0.1', port: 0 });
server.route({ method: 'GET', path: '/tiny', handler: () => ({ status: 'ok' }) });
server.route({ method: 'GET', path: '/body', handler: (_req, h) => h.response(body).type('application/json') });
await server.start();
process.stdout.write(`CEILING_URL ${server.info.uri}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
