// The server's stdout logger writes once per event-loop turn: every line arrives, in order, after
// the turn that logged it; an error line, a full buffer or logger.flush() write at once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, tapLog } from '../../../src/logger.js';

function sink() {
  const writes: string[] = [];
  return { writes, stream: { write: (s: string) => void writes.push(s) } };
}

describe('buffered logger', () => {
  test('lines of one turn arrive together, in order, on the next turn; taps see them at once', async () => {
    const { writes, stream } = sink();
    const log = createLogger('info', stream, 'text', { buffered: true });
    const seen: unknown[] = [];
    tapLog(log, (r) => seen.push(r.msg));
    log.info({ status: 200 }, 'one');
    log.info('two');
    assert.deepEqual(writes, [], 'nothing written within the turn');
    assert.deepEqual(seen, ['one', 'two']);
    await new Promise((r) => setImmediate(r));
    assert.equal(writes.length, 1, 'one write for the turn');
    assert.match(writes[0]!, / INFO ring: one status=200\n.* INFO ring: two\n$/);
  });

  test('an error line, and logger.flush(), write everything buffered at once', () => {
    const { writes, stream } = sink();
    const log = createLogger('info', stream, 'json', { buffered: true });
    log.info('before');
    log.error('broke');
    assert.equal(writes.length, 1);
    assert.deepEqual(writes[0]!.trim().split('\n').map((l) => JSON.parse(l).fields.message), ['before', 'broke']);
    log.warn('after');
    let called = false;
    log.flush(() => { called = true; });
    assert.equal(writes.length, 2);
    assert.ok(called, 'flush calls back');
  });

  test('given a destination, a logger writes through unless asked to buffer', () => {
    const { writes, stream } = sink();
    createLogger('info', stream, 'text').info('now');
    assert.equal(writes.length, 1);
  });
});
