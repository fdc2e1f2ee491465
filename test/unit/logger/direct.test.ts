// logInfoDirect (the access log's path) must write exactly what logger.info would have: the same
// line in both formats, undefined fields left out, the same record to the taps, and nothing below
// the level — it only skips pino's JSON round trip.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createLogger, logInfoDirect, tapLog, type LogFormat } from '../../../src/logger.js';

function logged(format: LogFormat, write: (log: pino.Logger) => void) {
  const writes: string[] = [];
  const log = createLogger('info', { write: (s: string) => void writes.push(s) }, format);
  const records: Record<string, unknown>[] = [];
  tapLog(log, (r) => records.push(r));
  write(log);
  // The timestamp is the only part allowed to differ between two calls.
  const lines = writes.join('').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T');
  for (const r of records) r.time = 'T';
  return { lines, records };
}

describe('logInfoDirect', () => {
  const fields = { reqId: '1:a', method: 'GET', path: '/deployments', status: 200, ms: 3 };
  for (const format of ['text', 'json'] as const) {
    test(`writes the line and the record logger.info writes (${format})`, () => {
      const viaPino = logged(format, (log) => log.info(fields, 'request'));
      const direct = logged(format, (log) => logInfoDirect(log, fields, 'request'));
      assert.ok(viaPino.lines.includes('/deployments'));
      assert.equal(direct.lines, viaPino.lines);
      assert.deepEqual(direct.records, viaPino.records);
    });
  }

  test('an undefined field is left out, as pino leaves it out', () => {
    const withUndefined = { ...fields, status: undefined };
    const viaPino = logged('text', (log) => log.info(withUndefined, 'request'));
    const direct = logged('text', (log) => logInfoDirect(log, withUndefined, 'request'));
    assert.doesNotMatch(direct.lines, /status=/);
    assert.equal(direct.lines, viaPino.lines);
  });

  test('nothing below the logger level; a foreign logger takes the ordinary path', () => {
    const writes: string[] = [];
    logInfoDirect(createLogger('warn', { write: (s: string) => void writes.push(s) }, 'text'), fields, 'request');
    assert.deepEqual(writes, []);
    const plain: string[] = [];
    logInfoDirect(pino({ base: null }, { write: (s: string) => void plain.push(s) }), fields, 'request');
    assert.match(plain.join(''), /"path":"\/deployments".*"msg":"request"/);
  });
});
