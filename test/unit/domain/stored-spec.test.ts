// Reading stored specs back never throws: a row the server cannot handle decodes to an inert spec with its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStoredSpec } from '../../../src/domain/stored-spec.js';

const row = { name: 'web', namespace: 'prod', runtime: 'docker', kind: 'worker', image: 'nginx' };
const good = { ...row, replicas: 2, command: [], environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [] };

const cases: [string, string, RegExp | null][] = [
  ['a sound spec', JSON.stringify(good), null],
  ['unparseable JSON', '{"name": ', /not valid JSON/],
  ['a JSON array', '[1]', /not a JSON object/],
  ['replicas 1e21', JSON.stringify({ ...good, replicas: 1e21 }), /replicas/],
  ['an unknown nested field', JSON.stringify({ ...good, network: { mode: 'bridge', zz_extra: 1 } }), /zz_extra/],
  ['100,000 levels of nesting', JSON.stringify({ ...good, network: { mode: 'bridge', zz: 0 } }).replace('"zz":0', `"zz":${'['.repeat(100_000)}${']'.repeat(100_000)}`), /zz/],
];
for (const [what, text, problem] of cases) {
  test(`decodeStoredSpec: ${what}`, () => {
    const d = decodeStoredSpec(text, row);
    if (problem === null) {
      assert.equal(d.problem, null);
      assert.equal(d.spec.replicas, 2);
    } else {
      assert.match(d.problem ?? '', problem);
      assert.equal(d.spec.replicas, 0);
      assert.deepEqual([d.spec.name, d.spec.health_checks, d.spec.volumes], ['web', [], []]);
    }
  });
}
