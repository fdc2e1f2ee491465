// The key reducer: every mode, every key that matters, as a table.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, parseCommand, reduce, type KeyInfo, type Step, type UiState } from '../../../tui/keys.js';

const ctx = { items: [{ id: 'a', label: 'ns/a (a)' }, { id: 'b', label: 'ns/b (b)' }, { id: 'c', label: 'ns/c (c)' }], logInstances: 2, page: 2 };

/** Presses keys in turn from `state`; a key is text or [text, KeyInfo]. */
function press(state: UiState, ...keys: (string | [string, KeyInfo])[]): Step {
  let step: Step = { state, effects: [] };
  const effects = [];
  for (const k of keys) {
    const [input, key] = typeof k === 'string' ? [k, {}] : k;
    step = reduce(step.state, input, key, ctx);
    effects.push(...step.effects);
  }
  return { state: step.state, effects };
}

const DOWN: [string, KeyInfo] = ['', { downArrow: true }];
const UP: [string, KeyInfo] = ['', { upArrow: true }];
const ENTER: [string, KeyInfo] = ['\r', { return: true }];
const ESC: [string, KeyInfo] = ['', { escape: true }];
const CTRL_D: [string, KeyInfo] = ['d', { ctrl: true }];
const BACKSPACE: [string, KeyInfo] = ['', { backspace: true }];
const TAB: [string, KeyInfo] = ['\t', { tab: true }];

describe('tui keys', () => {
  it('moves the selection within the list', () => {
    assert.equal(press(initialState, DOWN, DOWN, DOWN).state.selected, 2);
    assert.equal(press(initialState, UP).state.selected, 0);
    assert.equal(press(initialState, 'j', 'j', 'k').state.selected, 1);
    assert.equal(press(initialState, 'G').state.selected, 2);
    assert.equal(press(initialState, 'G', 'g').state.selected, 0);
    assert.equal(press(initialState, ['', { pageDown: true }]).state.selected, 2);
  });

  it('Enter and d describe (never delete); l opens logs; q quits from the list', () => {
    assert.deepEqual(press(initialState, DOWN, ENTER).state.mode, { kind: 'describe', id: 'b', scroll: 0 });
    assert.deepEqual(press(initialState, 'd').state.mode, { kind: 'describe', id: 'a', scroll: 0 });
    assert.deepEqual(press(initialState, 'd').effects, []);
    assert.deepEqual(press(initialState, 'l').state.mode, { kind: 'logs', id: 'a', instance: 0, scroll: 0 });
    assert.deepEqual(press(initialState, 'q').effects, [{ type: 'quit' }]);
    assert.deepEqual(press(initialState, ['c', { ctrl: true }]).effects, [{ type: 'quit' }]);
  });

  it('ctrl-d asks; only y deletes; Enter, n, Esc and anything else cancel', () => {
    const asked = press(initialState, DOWN, CTRL_D);
    assert.deepEqual(asked.state.mode, { kind: 'confirm', id: 'b', label: 'ns/b (b)' });
    assert.deepEqual(asked.effects, []);
    assert.deepEqual(press(asked.state, 'y').effects, [{ type: 'delete', id: 'b', label: 'ns/b (b)' }]);
    for (const k of [ENTER, 'n', ESC, 'x', 'q'] as const) {
      const s = press(asked.state, k);
      assert.deepEqual(s.effects, [], `cancel on ${JSON.stringify(k)}`);
      assert.equal(s.state.mode.kind, 'list');
      assert.equal(s.state.message?.text, 'Delete cancelled');
    }
    assert.deepEqual(press({ ...initialState }, CTRL_D).state.mode.kind, 'confirm');
  });

  it('/ filters while typing; Enter keeps it; Esc drops it; backspace edits', () => {
    const typing = press(initialState, '/', 'w', 'e', 'b');
    assert.deepEqual(typing.state.mode, { kind: 'filter', draft: 'web' });
    assert.equal(typing.state.filter, 'web');
    assert.equal(press(typing.state, BACKSPACE).state.filter, 'we');
    const kept = press(typing.state, ENTER).state;
    assert.deepEqual([kept.mode.kind, kept.filter], ['list', 'web']);
    assert.equal(press(kept, ESC).state.filter, '', 'esc in the list clears the filter');
    assert.equal(press(typing.state, ESC).state.filter, '');
    assert.equal(press(kept, '/').state.mode.kind === 'filter' && (press(kept, '/').state.mode as { draft: string }).draft, 'web', 'editing starts from the filter');
  });

  it(': commands: ns switches, q quits, unknown ones explained', () => {
    assert.deepEqual(press(initialState, ':', 'ns prod', ENTER).effects, [{ type: 'namespace', namespace: 'prod' }]);
    assert.deepEqual(press(initialState, ':', 'ns', ENTER).effects, [{ type: 'namespace', namespace: undefined }]);
    assert.deepEqual(press(initialState, ':', 'q', ENTER).effects, [{ type: 'quit' }]);
    const bad = press(initialState, ':', 'frob', ENTER);
    assert.deepEqual(bad.effects, []);
    assert.match(bad.state.message?.text ?? '', /unknown command ':frob'/);
    assert.deepEqual(parseCommand('ns all'), { type: 'namespace', namespace: undefined });
    assert.deepEqual(parseCommand('namespace a b'), { error: ':namespace takes one namespace name, got 2' });
  });

  it('views: esc/q go back; logs tab cycles every instance then each; arrows scroll', () => {
    const logs = press(initialState, 'l').state;
    assert.equal((press(logs, TAB).state.mode as { instance: number }).instance, 1);
    assert.equal((press(logs, TAB, TAB, TAB).state.mode as { instance: number }).instance, 0, 'wraps after the last instance');
    assert.equal((press(logs, UP, UP).state.mode as { scroll: number }).scroll, 2, 'up scrolls back');
    assert.equal((press(logs, UP, UP, 'G').state.mode as { scroll: number }).scroll, 0, 'G follows again');
    assert.equal(press(logs, 'q').state.mode.kind, 'list');
    assert.deepEqual(press(logs, 'q').effects, [], 'q in a view goes back, it does not quit');
    assert.equal(press(logs, 'd').state.mode.kind, 'describe');
    const desc = press(initialState, ENTER).state;
    assert.equal((press(desc, DOWN, DOWN).state.mode as { scroll: number }).scroll, 2);
    assert.equal(press(desc, ESC).state.mode.kind, 'list');
    assert.equal(press(desc, 'l').state.mode.kind, 'logs');
    assert.equal(press(initialState, '?').state.mode.kind, 'help');
    assert.equal(press(initialState, '?', ESC).state.mode.kind, 'list');
  });
});
