// Two ring servers racing the create of ring_<ns> leave two networks of that name; every server
// must pick the same survivor, and never remove a network ring did not make.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveDuplicateNetworks, type NamedNetwork } from '../../../src/runtime/docker/network.js';

const net = (id: string, created: string, managed = true): NamedNetwork => ({ id, created, managed });

const cases: { name: string; matches: NamedNetwork[]; keep: string | null; remove: string[] }[] = [
  { name: 'none', matches: [], keep: null, remove: [] },
  { name: 'one: nothing to do', matches: [net('a', '2026-12-02T04:00:00.5Z')], keep: 'a', remove: [] },
  { name: 'two: the oldest stays', matches: [net('b', '2026-12-02T04:00:01Z'), net('a', '2026-12-02T04:00:02Z')], keep: 'b', remove: ['a'] },
  { name: 'same instant: the smaller id stays, whichever order they are listed in', matches: [net('z', '2026-12-02T04:00:01.123456789Z'), net('c', '2026-12-02T04:00:01.123456789Z')], keep: 'c', remove: ['z'] },
  { name: "an operator's duplicate is never removed", matches: [net('a', '2026-12-02T04:00:01Z'), net('b', '2026-12-02T04:00:02Z', false)], keep: 'a', remove: [] },
  { name: "the operator's network is the oldest: ring's copies go", matches: [net('m', '2026-12-02T04:00:03Z'), net('op', '2026-12-02T04:00:01Z', false), net('n', '2026-12-02T04:00:02Z')], keep: 'op', remove: ['n', 'm'] },
];

for (const c of cases) {
  test(`resolveDuplicateNetworks: ${c.name}`, () => {
    assert.deepEqual(resolveDuplicateNetworks(c.matches), { keep: c.keep, remove: c.remove });
    assert.deepEqual(resolveDuplicateNetworks([...c.matches].reverse()), { keep: c.keep, remove: c.remove }, 'order of listing does not matter');
  });
}
