// The raw-body guards and the schema-error classification of src/api/request-validation.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Problem } from '../../../src/api/problem.js';
import { assertNoBody, onlyLimitErrors, parseJsonBody, scanJson, toViolations, MAX_LISTED_VIOLATIONS } from '../../../src/api/request-validation.js';
import { MAX_JSON_DEPTH, MAX_JSON_NODES } from '../../../src/domain/limits.js';

const problemOf = (f: () => unknown): Problem => {
  try {
    f();
  } catch (e) {
    if (e instanceof Problem) return e;
    throw e;
  }
  assert.fail('no problem thrown');
};

test('scanJson: depth at the limit passes, one more level is a 400 too_deep', () => {
  scanJson(Buffer.from('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)));
  const p = problemOf(() => scanJson(Buffer.from('{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1))));
  assert.equal(p.status, 400);
  assert.equal(p.violations[0]!.code, 'request.body.too_deep');
});

test('scanJson: 500,000 levels are refused without recursion, brackets inside strings do not count', () => {
  const p = problemOf(() => scanJson(Buffer.from('['.repeat(500_000) + ']'.repeat(500_000))));
  assert.equal(p.status, 400);
  scanJson(Buffer.from(JSON.stringify({ s: '['.repeat(1000) + '\\"{{{' })));
});

test('scanJson: more values than the limit is a 413', () => {
  const p = problemOf(() => scanJson(Buffer.from(`[${'0,'.repeat(MAX_JSON_NODES + 1)}0]`)));
  assert.equal(p.status, 413);
  assert.equal(p.violations[0]!.code, 'request.body.too_many_values');
});

test('parseJsonBody: empty is undefined, malformed and __proto__ keys are 400s', () => {
  assert.equal(parseJsonBody(Buffer.alloc(0)), undefined);
  assert.equal(parseJsonBody(Buffer.from('  ')), undefined);
  assert.deepEqual(parseJsonBody(Buffer.from('{"a":[1,{"b":2}]}')), { a: [1, { b: 2 }] });
  assert.equal(problemOf(() => parseJsonBody(Buffer.from('{"a":'))).violations[0]!.code, 'request.body.invalid_json');
  assert.equal(problemOf(() => parseJsonBody(Buffer.from('{"a":{"__proto__":{"x":1}}}'))).violations[0]!.code, 'request.body.forbidden_key');
});

test('assertNoBody: nothing, {} and null pass; anything else is a 400', () => {
  for (const ok of [undefined, null, Buffer.alloc(0), Buffer.from(' {} '), Buffer.from('null')]) assertNoBody(ok);
  assert.equal(problemOf(() => assertNoBody(Buffer.from('{"zz":1}'))).violations[0]!.code, 'request.body.unexpected');
});

test('toViolations: unknown fields and query parameters are named; a long list is cut with a count', () => {
  const unknown = { keyword: 'additionalProperties', instancePath: '/network', params: { additionalProperty: 'zz' }, schemaPath: '', message: 'x' };
  assert.deepEqual(toViolations('body', [unknown]), [{ property_path: 'network.zz', message: "unknown field 'zz' (not in the API schema)", code: 'request.body.unknown_field' }]);
  assert.equal(toViolations('query', [{ ...unknown, instancePath: '' }])[0]!.code, 'request.query.unknown_parameter');
  const many = Array.from({ length: MAX_LISTED_VIOLATIONS + 5 }, (_, i) => ({ keyword: 'type', instancePath: `/a/${i}`, params: {}, schemaPath: '', message: 'must be string' }));
  const out = toViolations('body', many);
  assert.equal(out.length, MAX_LISTED_VIOLATIONS + 1);
  assert.match(out.at(-1)!.message, /^5 more/);
});

test('onlyLimitErrors: limits and unknown fields make a 422, any wrong shape a 400', () => {
  const e = (keyword: string) => ({ keyword, instancePath: '', params: {}, schemaPath: '' });
  assert.equal(onlyLimitErrors([e('maximum'), e('additionalProperties'), e('maxLength')]), true);
  assert.equal(onlyLimitErrors([e('maximum'), e('type')]), false);
  assert.equal(onlyLimitErrors([]), false);
});
