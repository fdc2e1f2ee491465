// tapLog(): every line the server's logger (and its children) writes reaches a tap, as pino's record,
// after the console line; a tap that throws costs only its own record.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { createLogger, tapLog } from '../../../src/logger.js';

describe('tapLog', () => {
  test('a tap sees every record, children included, until removed', () => {
    const sink = new PassThrough();
    let console = '';
    sink.on('data', (c: Buffer) => (console += c.toString()));
    const log = createLogger('info', sink, 'json');
    const seen: Record<string, unknown>[] = [];
    const untap = tapLog(log, (r) => seen.push(r));
    assert.ok(untap);
    log.info({ a: 1 }, 'one');
    log.child({ reqId: 'r1' }).warn('two');
    log.debug('below the level');
    untap();
    log.info('three');
    assert.deepEqual(seen.map((r) => [r.msg, r.level]), [['one', 30], ['two', 40]]);
    assert.equal(seen[0]!.a, 1);
    assert.equal(seen[1]!.reqId, 'r1');
    assert.equal(console.trim().split('\n').length, 3, 'the console gets every line, tapped or not');
  });

  test('a throwing tap does not stop the console line or the next records', () => {
    const sink = new PassThrough();
    let console = '';
    sink.on('data', (c: Buffer) => (console += c.toString()));
    const log = createLogger('info', sink, 'text');
    let calls = 0;
    tapLog(log, () => { calls++; throw new Error('tap broke'); });
    log.info('one');
    log.info('two');
    assert.equal(calls, 2);
    assert.match(console, / INFO ring: one\n.* INFO ring: two\n/);
  });

  test('a logger createLogger() did not build cannot be tapped', () => {
    assert.equal(tapLog(pino({ enabled: false }), () => {}), null);
  });
});
