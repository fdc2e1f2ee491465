import { it } from 'node:test';
import assert from 'node:assert/strict';
import { logFormatOf, renderLine } from '../../../src/logger.js';

const pinoLine = (o: object) => JSON.stringify({ level: 30, time: '2026-12-01T10:00:00.000Z', target: 'ring', ...o });

it('RING_LOG_FORMAT: json (any case) → json, everything else → text', () => {
  assert.equal(logFormatOf('json'), 'json');
  assert.equal(logFormatOf(' JSON '), 'json');
  assert.equal(logFormatOf(undefined), 'text');
  assert.equal(logFormatOf('pretty'), 'text');
});

it('json: Ring shape, message and fields under fields, error as its message', () => {
  const out = renderLine(pinoLine({ level: 40, msg: 'slow', reqId: 'r1', err: { type: 'Error', message: 'boom', stack: 'x' } }), 'json');
  assert.ok(out.endsWith('\n'));
  assert.deepEqual(JSON.parse(out), {
    timestamp: '2026-12-01T10:00:00.000Z', level: 'WARN', target: 'ring', fields: { message: 'slow', reqId: 'r1', err: 'boom' },
  });
  assert.equal(JSON.parse(renderLine(pinoLine({ level: 60, msg: 'x' }), 'json')).level, 'ERROR');
  assert.equal(JSON.parse(renderLine(pinoLine({}), 'json')).fields.message, '');
});

it('text: timestamp, padded level, target, message, key=value (quoted when needed)', () => {
  assert.equal(renderLine(pinoLine({ msg: 'request', method: 'GET', path: '/a b', status: 200, runtimes: ['docker'] }), 'text'),
    '2026-12-01T10:00:00.000Z  INFO ring: request method=GET path="/a b" status=200 runtimes=["docker"]\n');
  assert.equal(renderLine(pinoLine({ level: 50, msg: 'x' }), 'text'), '2026-12-01T10:00:00.000Z ERROR ring: x\n');
});
