// Probes against servers this test starts on 127.0.0.1; the Docker-side cases are in
// test/integration/health/probes.test.ts.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { HealthCheckSpec } from '../../../src/domain/deployment.js';
import { commandArgv, readHead, rewriteLocalhost, runProbe, TIMED_OUT_MESSAGE } from '../../../src/reconciler/probes.js';

const instance = { id: 'abc123', address: '127.0.0.1' };
const noExec = { exec: async () => { throw new Error('no exec here'); } };
const check = (over: Partial<HealthCheckSpec>): HealthCheckSpec => ({ type: 'tcp', interval: '1s', timeout: '1s', ...over });

let http: Server;
let httpPort = 0;
let silent: ReturnType<typeof createTcpServer>;
let silentPort = 0;
const held: Socket[] = [];

before(async () => {
  http = createHttpServer((req, res) => {
    if (req.url === '/ok') res.writeHead(204).end();
    else if (req.url === '/moved') res.writeHead(302, { location: '/ok' }).end();
    else if (req.url === '/auth') res.writeHead(req.headers.authorization === `Basic ${Buffer.from('user:p@ss').toString('base64')}` ? 204 : 401).end();
    else if (req.url?.startsWith('/echo')) {
      // What the probe sent, as the server saw it: 204 when it is what a one-shot probe must send.
      const ok = req.method === 'GET' && req.headers['user-agent'] === 'ring-health-check' && req.headers.connection === 'close'
        && req.headers.host === `127.0.0.1:${httpPort}` && req.url === '/echo?a=1&b=%20x' && req.httpVersion === '1.1';
      res.writeHead(ok ? 204 : 400).end();
    } else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('late'), 2000).unref();
    else res.writeHead(503).end('down');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpPort = (http.address() as AddressInfo).port;
  // Accepts connections and never answers: an HTTP probe against it can only time out.
  silent = createTcpServer((s) => void held.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as AddressInfo).port;
});

after(async () => {
  for (const s of held) s.destroy();
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
  await new Promise((r) => silent.close(r));
});

describe('localhost rewrite', () => {
  test('only the host part is rewritten', () => {
    assert.equal(rewriteLocalhost('http://localhost:8080/localhost?next=localhost', '172.18.0.3'), 'http://172.18.0.3:8080/localhost?next=localhost');
    assert.equal(rewriteLocalhost('http://LOCALHOST/health', '172.18.0.3'), 'http://172.18.0.3/health');
    assert.equal(rewriteLocalhost('http://mylocalhost.example/health', '172.18.0.3'), 'http://mylocalhost.example/health');
    assert.equal(rewriteLocalhost('http://localhost.example/', '172.18.0.3'), 'http://localhost.example/');
    assert.equal(rewriteLocalhost('http://localhost/', 'fd00::3'), 'http://[fd00::3]/');
  });
});

describe('command argv', () => {
  test('plain words run directly (no shell needed in the image), quotes honoured', () => {
    assert.deepEqual(commandArgv('test -f /tmp/ready'), ['test', '-f', '/tmp/ready']);
    assert.deepEqual(commandArgv(`grep -q "ok now" '/tmp/state file'`), ['grep', '-q', 'ok now', '/tmp/state file']);
  });
  test('shell syntax runs through /bin/sh -c', () => {
    assert.deepEqual(commandArgv('wget -q -O- http://localhost/health | grep ok'), ['/bin/sh', '-c', 'wget -q -O- http://localhost/health | grep ok']);
    assert.deepEqual(commandArgv('test -n "$READY"'), ['/bin/sh', '-c', 'test -n "$READY"']);
  });
});

describe('tcp probe', () => {
  test('a listening port succeeds', async () => {
    assert.deepEqual(await runProbe(check({ port: httpPort }), { instance, runtime: noExec }),
      { status: 'success', message: `TCP connection to 127.0.0.1:${httpPort} successful` });
  });
  test('a closed port fails', async () => {
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const r = await runProbe(check({ port: closed }), { instance, runtime: noExec });
    assert.equal(r.status, 'failed');
    assert.match(r.message, /ECONNREFUSED/);
  });
  test('an instance without an address fails', async () => {
    const r = await runProbe(check({ port: 80 }), { instance: { id: 'abc', address: null }, runtime: noExec });
    assert.deepEqual(r, { status: 'failed', message: 'Could not resolve instance address for abc' });
  });
});

describe('http probe', () => {
  const url = (path: string) => `http://localhost:${httpPort}${path}`;
  test('2xx succeeds', async () => {
    assert.deepEqual(await runProbe(check({ type: 'http', url: url('/ok') }), { instance, runtime: noExec }),
      { status: 'success', message: `HTTP check successful (204) for http://127.0.0.1:${httpPort}/ok` });
  });
  test('3xx fails: redirects are not followed', async () => {
    const r = await runProbe(check({ type: 'http', url: url('/moved') }), { instance, runtime: noExec });
    assert.equal(r.status, 'failed');
    assert.match(r.message, /status 302 .*redirects are not followed/);
  });
  test('5xx fails', async () => {
    const r = await runProbe(check({ type: 'http', url: url('/') }), { instance, runtime: noExec });
    assert.deepEqual(r, { status: 'failed', message: `HTTP check failed with status 503 for http://127.0.0.1:${httpPort}/` });
  });
  test('a probe sends GET with its user agent, the host, Connection: close, the path and query as given', async () => {
    const r = await runProbe(check({ type: 'http', url: url('/echo?a=1&b=%20x') }), { instance, runtime: noExec });
    assert.equal(r.status, 'success', r.message);
  });
  test("the URL's user:password is sent as basic auth", async () => {
    const r = await runProbe(check({ type: 'http', url: `http://user:p%40ss@localhost:${httpPort}/auth` }), { instance, runtime: noExec });
    assert.equal(r.status, 'success', r.message);
  });
  test('each probe dials its own connection: a listener that went away fails the next probe', async () => {
    const one = createHttpServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((r) => one.listen(0, '127.0.0.1', r));
    const at = `http://localhost:${(one.address() as AddressInfo).port}/`;
    assert.equal((await runProbe(check({ type: 'http', url: at }), { instance, runtime: noExec })).status, 'success');
    one.close();
    const r = await runProbe(check({ type: 'http', url: at }), { instance, runtime: noExec });
    assert.equal(r.status, 'failed');
    assert.match(r.message, /^HTTP check failed for http:\/\/127\.0\.0\.1:\d+\/: connect ECONNREFUSED/);
  });
  test('the same URL against two instances reaches each instance', async () => {
    // 127.0.0.2 is loopback too on Linux, but nothing listens there on this port.
    const r1 = await runProbe(check({ type: 'http', url: url('/ok') }), { instance, runtime: noExec });
    const r2 = await runProbe(check({ type: 'http', url: url('/ok') }), { instance: { id: 'other', address: '127.0.0.2' }, runtime: noExec });
    assert.equal(r1.status, 'success');
    assert.equal(r2.status, 'failed');
    assert.match(r2.message, /127\.0\.0\.2/);
  });
  test('a slow answer is a timeout, bounded by the check timeout', async () => {
    // The slow answer would be a success: 'timeout' is the check's own bound at work.
    const r = await runProbe(check({ type: 'http', url: url('/slow'), timeout: '300ms' }), { instance, runtime: noExec });
    assert.deepEqual(r, { status: 'timeout', message: TIMED_OUT_MESSAGE });
  });
  test('a server that never answers is a timeout', async () => {
    const r = await runProbe(check({ type: 'http', url: `http://localhost:${silentPort}/`, timeout: '200ms' }), { instance, runtime: noExec });
    assert.equal(r.status, 'timeout');
  });
});

describe('http probe: the response head', () => {
  test('readHead: the final status once the head is complete, null before, a parse error for what is not HTTP/1.x', () => {
    assert.equal(readHead('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), 200);
    assert.equal(readHead('HTTP/1.0 503 Service Unavailable\r\n\r\n'), 503);
    assert.equal(readHead('HTTP/1.1 204\r\n\r\n'), 204, 'the reason phrase is optional');
    assert.equal(readHead('HTTP/1.1 200 OK\nServer: x\n\n'), 200, 'bare LF line ends');
    assert.equal(readHead('HTTP/1.1 200 OK\r\nServer: x\r\n'), null, 'no blank line yet');
    assert.equal(readHead('HTTP/1.1 2'), null);
    assert.equal(readHead('HTT'), null);
    assert.equal(readHead('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\n\r\n'), 200, '1xx heads are skipped');
    assert.equal(readHead('HTTP/1.1 100 Continue\r\n\r\n'), null, 'the final head has not come yet');
    assert.equal(readHead('HTTP/1.1 101 Switching Protocols\r\n\r\n'), 101);
    assert.equal(readHead('SSH-2.0-OpenSSH_9.6\r\n'), 'Parse Error: Expected HTTP/');
    assert.equal(readHead('HTTP/2 200\r\n\r\n'), 'Parse Error: Invalid response status');
    assert.equal(readHead('HTTP/1.1 20 OK\r\n\r\n'), 'Parse Error: Invalid response status');
    assert.equal(readHead('HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n'), 'Parse Error: Invalid header value char');
    assert.equal(readHead('HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n'), 'Parse Error: Invalid header value char');
    assert.equal(readHead(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(17 * 1024)}`), 'Parse Error: Header overflow');
  });

  /** A TCP server answering every connection with `script` (chunks written apart, then maybe closed). */
  async function scripted(chunks: string[], close: boolean) {
    const s = createTcpServer((sock) => {
      sock.on('error', () => {});
      sock.once('data', async () => {
        for (const c of chunks) {
          sock.write(c);
          await new Promise((r) => setTimeout(r, 20));
        }
        if (close) sock.end();
      });
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return { url: `http://localhost:${(s.address() as AddressInfo).port}/`, close: () => new Promise((r) => s.close(r)) };
  }
  const probe = (url: string, timeout = '1s') => runProbe(check({ type: 'http', url, timeout }), { instance, runtime: noExec });

  test('a head split across packets, after an informational one, is read whole', async () => {
    const s = await scripted(['HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 2', '00 OK\r\nContent-Ty', 'pe: text/plain\r\n\r\n'], false);
    try {
      const r = await probe(s.url);
      assert.deepEqual(r, { status: 'success', message: `HTTP check successful (200) for ${s.url.replace('localhost', '127.0.0.1')}` });
    } finally { await s.close(); }
  });
  test('a server that closes before answering: failed, "socket hang up" (as http.request says)', async () => {
    const s = await scripted([], true);
    try {
      assert.deepEqual(await probe(s.url), { status: 'failed', message: `HTTP check failed for ${s.url.replace('localhost', '127.0.0.1')}: socket hang up` });
    } finally { await s.close(); }
  });
  test('a status line and then silence is a timeout: the head must complete', async () => {
    const s = await scripted(['HTTP/1.1 200 OK\r\n'], false);
    try {
      assert.deepEqual(await probe(s.url, '300ms'), { status: 'timeout', message: TIMED_OUT_MESSAGE });
    } finally { await s.close(); }
  });
  test('something that is not HTTP fails with a parse error', async () => {
    const s = await scripted(['SSH-2.0-OpenSSH_9.6\r\n'], false);
    try {
      const r = await probe(s.url);
      assert.equal(r.status, 'failed');
      assert.match(r.message, /: Parse Error: Expected HTTP\/$/);
    } finally { await s.close(); }
  });
  test('IPv6: the instance address in brackets, in the URL shown and the Host sent', async (t) => {
    const six = createHttpServer((req, res) => res.writeHead(req.headers.host === `[::1]:${(six.address() as AddressInfo).port}` ? 200 : 400).end());
    try {
      await new Promise<void>((r, j) => { six.once('error', j); six.listen(0, '::1', r); });
    } catch {
      t.skip('no IPv6 loopback here');
      return;
    }
    try {
      const port = (six.address() as AddressInfo).port;
      const r = await runProbe(check({ type: 'http', url: `http://localhost:${port}/` }), { instance: { id: 'v6', address: '::1' }, runtime: noExec });
      assert.deepEqual(r, { status: 'success', message: `HTTP check successful (200) for http://[::1]:${port}/` });
    } finally { await new Promise((r) => six.close(r)); }
  });
});

describe('command probe', () => {
  const exec = (exitCode: number, output = '', delayMs = 0) => ({
    exec: (_id: string, argv: string[]) => new Promise<{ exitCode: number; output: string }>((r) => setTimeout(() => r({ exitCode, output: argv.join(' ') + output }), delayMs)),
  });
  test('exit 0 succeeds', async () => {
    assert.deepEqual(await runProbe(check({ type: 'command', command: 'true' }), { instance, runtime: exec(0) }), { status: 'success', message: 'Command exited 0' });
  });
  test('a non-zero exit fails, with the start of its output', async () => {
    const r = await runProbe(check({ type: 'command', command: 'false' }), { instance, runtime: exec(1, ': nope') });
    assert.deepEqual(r, { status: 'failed', message: 'Command exited 1: false: nope' });
  });
  test('a command still running at the timeout is a timeout', async () => {
    const r = await runProbe(check({ type: 'command', command: 'sleep 5', timeout: '100ms' }), { instance, runtime: exec(0, '', 1000) });
    assert.equal(r.status, 'timeout');
  });
  test("a runtime's exec timeout error is a timeout; other exec errors are failures", async () => {
    const timeoutErr = Object.assign(new Error('timeout'), { name: 'ExecTimeoutError' });
    const r1 = await runProbe(check({ type: 'command', command: 'x' }), { instance, runtime: { exec: async () => { throw timeoutErr; } } });
    assert.equal(r1.status, 'timeout');
    const r2 = await runProbe(check({ type: 'command', command: 'x' }), { instance, runtime: { exec: async () => { throw new Error('no such container'); } } });
    assert.deepEqual(r2, { status: 'failed', message: 'Command could not be run: no such container' });
  });
});
