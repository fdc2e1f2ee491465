import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescedPass } from '../../../src/shared/coalesced-pass.js';

const turn = () => new Promise((r) => setImmediate(r));

test('a burst of requests in one turn is one pass, and requests during a pass are exactly one more', async () => {
  let runs = 0;
  let overlapping = 0;
  let active = 0;
  let release!: () => void;
  const settled: boolean[] = [];
  const c = new CoalescedPass(async () => {
    runs++;
    active++;
    overlapping = Math.max(overlapping, active);
    if (runs === 1) await new Promise<void>((r) => (release = r));
    active--;
  }, () => true, (another) => settled.push(another));
  for (let i = 0; i < 5; i++) c.request();
  await turn();
  assert.equal(runs, 1);
  for (let i = 0; i < 5; i++) c.request();
  release();
  while (c.current || c.scheduled) await (c.current ?? turn());
  await turn();
  assert.equal(runs, 2);
  assert.equal(overlapping, 1, 'passes never overlap');
  assert.deepEqual(settled, [true, false]);
});

test('nothing runs once the owner is inactive', async () => {
  let runs = 0;
  let on = true;
  const c = new CoalescedPass(async () => { runs++; }, () => on);
  c.request();
  on = false;
  await turn();
  c.request();
  await turn();
  assert.equal(runs, 0);
});
