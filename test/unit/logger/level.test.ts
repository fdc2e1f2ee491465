import { it } from 'node:test';
import assert from 'node:assert/strict';
import { logLevelOf } from '../../../src/logger.js';

it('reads a level name or RUST_LOG directives (ring=<level> wins, unreadable → info)', () => {
  assert.equal(logLevelOf('debug'), 'debug');
  assert.equal(logLevelOf('WARN'), 'warn');
  assert.equal(logLevelOf('warning'), 'warn');
  assert.equal(logLevelOf('off'), 'silent');
  assert.equal(logLevelOf('warn,ring=debug'), 'debug');
  assert.equal(logLevelOf('ring::scheduler=trace,error'), 'trace');
  assert.equal(logLevelOf('hyper=debug,error'), 'error');
  assert.equal(logLevelOf('verbose'), 'info');
  assert.equal(logLevelOf(undefined), 'info');
});
