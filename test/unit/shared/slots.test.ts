import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Slots } from '../../../src/shared/slots.js';

describe('Slots', () => {
  test('at most size holders at once, the rest in arrival order', async () => {
    const slots = new Slots(2);
    const order: number[] = [];
    const held: (() => void)[] = [];
    const take = (n: number) => slots.acquire().then((release) => { order.push(n); held.push(release); });
    const all = [take(1), take(2), take(3), take(4)];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [1, 2]);
    assert.equal(slots.inFlight, 2);
    held.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [1, 2, 3]);
    held.shift()!();
    held.shift()!();
    await Promise.all(all);
    assert.deepEqual(order, [1, 2, 3, 4]);
    held.shift()!();
    assert.equal(slots.inFlight, 0);
  });

  test('a release counts once; an aborted wait gives its turn away', async () => {
    const slots = new Slots(1);
    const first = await slots.acquire();
    const ac = new AbortController();
    const aborted = slots.acquire(ac.signal);
    const next = slots.acquire();
    ac.abort(new Error('apply timeout'));
    await assert.rejects(aborted, /apply timeout/);
    first();
    first();
    const release = await next;
    assert.equal(slots.inFlight, 1);
    release();
    assert.equal(slots.inFlight, 0);
  });
});
