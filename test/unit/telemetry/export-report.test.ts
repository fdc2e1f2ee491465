// One warning per outage and one line when exports work again (src/telemetry/export-report.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HEALTHY, reportExport, type ExportState } from '../../../src/telemetry/export-report.js';

const what = { signal: 'metrics', url: 'http://c:4318/v1/metrics' };

/** Runs a sequence of results from healthy; returns the lines logged. */
function run(results: boolean[]): (string | null)[] {
  let state: ExportState = HEALTHY;
  return results.map((ok, i) => {
    const next = reportExport(state, ok ? { ok } : { ok, error: 'connect ECONNREFUSED 127.0.0.1:4318' }, i * 1000, what);
    state = next.state;
    return next.line ? `${next.line.level}: ${next.line.message}` : null;
  });
}

describe('export failure reporting', () => {
  const rows: [string, boolean[], number[]][] = [
    ['all good: silent', [true, true, true], []],
    ['one outage of many batches: one warning, one recovery', [true, false, false, false, false, true, true], [1, 5]],
    ['two outages: two of each', [false, true, false, false, true], [0, 1, 2, 4]],
    ['failing from the start and never recovering: one warning', [false, false, false, false], [0]],
  ];
  for (const [name, results, loggedAt] of rows) {
    test(name, () => {
      const lines = run(results);
      assert.deepEqual(lines.flatMap((l, i) => (l ? [i] : [])), loggedAt);
    });
  }

  test('the lines say what failed, why, that the server goes on, and for how long', () => {
    const lines = run([false, false, false, true]);
    assert.equal(lines[0], 'warn: telemetry: OTLP metrics export to http://c:4318/v1/metrics failed: connect ECONNREFUSED 127.0.0.1:4318 (the server goes on; further failures are not logged until an export succeeds)');
    assert.equal(lines[3], 'info: telemetry: OTLP metrics export to http://c:4318/v1/metrics works again (after 3 failed exports, 3s)');
  });
});
