// pino records → OpenTelemetry log records (src/telemetry/log-records.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { logRecordOf } from '../../../src/telemetry/log-records.js';

describe('log records', () => {
  const levels: [number, SeverityNumber, string][] = [
    [10, SeverityNumber.TRACE, 'TRACE'], [20, SeverityNumber.DEBUG, 'DEBUG'], [30, SeverityNumber.INFO, 'INFO'],
    [40, SeverityNumber.WARN, 'WARN'], [50, SeverityNumber.ERROR, 'ERROR'], [60, SeverityNumber.FATAL, 'FATAL'],
  ];
  for (const [level, number, text] of levels) {
    test(`pino level ${level} → ${text}`, () => {
      const r = logRecordOf({ level, time: '2026-01-02T03:04:05.678Z', target: 'ring', msg: 'x' });
      assert.equal(r.severityNumber, number);
      assert.equal(r.severityText, text);
    });
  }

  test('message as body, time as timestamp, fields as attributes (errors as their message, objects as JSON)', () => {
    const r = logRecordOf({
      level: 40, time: '2026-01-02T03:04:05.678Z', target: 'ring', msg: 'request', pid: 1, hostname: 'h',
      status: 200, ok: true, path: '/x', runtimes: ['docker'], err: { type: 'Error', message: 'boom', stack: '…' }, nothing: null,
    });
    assert.equal(r.body, 'request');
    assert.equal(r.timestamp, Date.parse('2026-01-02T03:04:05.678Z'));
    assert.deepEqual(r.attributes, { 'log.target': 'ring', status: 200, ok: true, path: '/x', runtimes: '["docker"]', err: 'boom' });
  });

  test('an unknown level is INFO; a missing message an empty body; a bad time no timestamp', () => {
    const r = logRecordOf({ level: 35, time: 'not a time' });
    assert.equal(r.severityText, 'INFO');
    assert.equal(r.body, '');
    assert.equal(r.timestamp, undefined);
  });
});
