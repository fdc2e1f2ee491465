// What each key does, k9s style, as a pure reducer: the App feeds it ink's key events and carries
// out the effects it returns (quit, delete, open a view, switch namespace).

export type Mode =
  | { kind: 'list' }
  /** Typing a `/` filter; Enter keeps it, Esc drops it. */
  | { kind: 'filter'; draft: string }
  /** Typing a `:` command (`:ns NAME`, `:q`). */
  | { kind: 'command'; draft: string }
  /** ctrl-d asked; only `y` deletes, anything else cancels. */
  | { kind: 'confirm'; id: string; label: string }
  | { kind: 'help' }
  | { kind: 'describe'; id: string; scroll: number }
  | { kind: 'logs'; id: string; instance: number; scroll: number };

export interface UiState {
  mode: Mode;
  /** The applied filter ('' = none). */
  filter: string;
  selected: number;
  /** One line for the user (what happened, what went wrong). */
  message?: { text: string; tone: 'info' | 'ok' | 'warn' | 'error' };
}

export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  backspace?: boolean;
  delete?: boolean;
  tab?: boolean;
  shift?: boolean;
}

export type Effect =
  | { type: 'quit' }
  | { type: 'delete'; id: string; label: string }
  | { type: 'namespace'; namespace: string | undefined }
  | { type: 'refresh' };

/** What the reducer needs to know of the screen. */
export interface KeyContext {
  /** Keys (deployment ids) of the visible items, in order. */
  items: readonly { id: string; label: string }[];
  /** Instances of the deployment in the logs view (for Tab cycling). */
  logInstances?: number;
  /** Lines a page scrolls. */
  page: number;
}

export const initialState: UiState = { mode: { kind: 'list' }, filter: '', selected: 0 };

export interface Step {
  state: UiState;
  effects: Effect[];
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

/** `:ns web`, `:namespace web`, `:ns` / `:ns all` = every namespace; `:q` quits. */
export function parseCommand(draft: string): Effect | { error: string } {
  const [cmd = '', ...args] = draft.trim().split(/\s+/);
  if (cmd === 'q' || cmd === 'quit' || cmd === 'q!') return { type: 'quit' };
  if (cmd === 'ns' || cmd === 'namespace' || cmd === 'namespaces') {
    if (args.length > 1) return { error: `:${cmd} takes one namespace name, got ${args.length}` };
    const ns = args[0];
    return { type: 'namespace', namespace: !ns || ns === 'all' || ns === '-A' ? undefined : ns };
  }
  return { error: `unknown command ':${draft.trim()}' (try :ns NAME, :ns all, :q)` };
}

/** Printable text of a key event (ink passes pasted text as one input). */
const printable = (input: string) => input.replace(/[\x00-\x1f\x7f]/g, '');

export function reduce(state: UiState, input: string, key: KeyInfo, ctx: KeyContext): Step {
  const m = state.mode;
  const none = (s: UiState = state): Step => ({ state: s, effects: [] });
  const toList = (extra: Partial<UiState> = {}): Step => none({ ...state, mode: { kind: 'list' }, ...extra });

  if (key.ctrl && input === 'c') return { state, effects: [{ type: 'quit' }] };

  switch (m.kind) {
    case 'confirm':
      if (input === 'y' || input === 'Y') {
        return { state: { ...state, mode: { kind: 'list' }, message: { text: `Deleting ${m.label}…`, tone: 'info' } }, effects: [{ type: 'delete', id: m.id, label: m.label }] };
      }
      return toList({ message: { text: 'Delete cancelled', tone: 'warn' } });

    case 'filter':
    case 'command': {
      if (key.escape) return toList(m.kind === 'filter' ? { filter: '' } : {});
      if (key.return) {
        if (m.kind === 'filter') return toList({ filter: m.draft.trim(), selected: 0 });
        if (m.draft.trim() === '') return toList();
        const e = parseCommand(m.draft);
        if ('error' in e) return toList({ message: { text: e.error, tone: 'error' } });
        return { state: { ...state, mode: { kind: 'list' }, selected: 0, message: undefined }, effects: [e] };
      }
      if (key.backspace || key.delete) {
        if (m.draft === '') return toList(m.kind === 'filter' ? { filter: '' } : {});
        const draft = [...m.draft].slice(0, -1).join('');
        return none({ ...state, mode: { ...m, draft }, ...(m.kind === 'filter' ? { filter: draft.trim(), selected: 0 } : {}) });
      }
      const text = key.ctrl ? '' : printable(input);
      if (!text) return none();
      const draft = m.draft + text;
      // The filter applies as it is typed, like k9s.
      return none({ ...state, mode: { ...m, draft }, ...(m.kind === 'filter' ? { filter: draft.trim(), selected: 0 } : {}) });
    }

    case 'help':
      if (input === 'q' && !key.ctrl) return toList();
      if (key.escape || input === '?' || key.return) return toList();
      return none();

    case 'describe':
    case 'logs': {
      if (key.escape || input === 'q') return toList();
      if (m.kind === 'describe' && (input === 'd' || key.return)) return toList();
      if (m.kind === 'describe' && input === 'l') return none({ ...state, mode: { kind: 'logs', id: m.id, instance: 0, scroll: 0 } });
      if (m.kind === 'logs' && (input === 'd' || key.return)) return none({ ...state, mode: { kind: 'describe', id: m.id, scroll: 0 } });
      if (m.kind === 'logs' && input === 'l') return toList();
      if (m.kind === 'logs' && key.tab) {
        // 0 = every instance, 1..n = one of them.
        const n = (ctx.logInstances ?? 0) + 1;
        const instance = (m.instance + (key.shift ? n - 1 : 1)) % n;
        return none({ ...state, mode: { ...m, instance, scroll: 0 } });
      }
      const step = key.upArrow || input === 'k' ? 1 : key.downArrow || input === 'j' ? -1
        : key.pageUp ? ctx.page : key.pageDown ? -ctx.page : 0;
      // Logs scroll back from the newest line (scroll = lines above the bottom); describe scrolls down.
      if (step !== 0) {
        const scroll = m.kind === 'logs' ? Math.max(0, m.scroll + step) : Math.max(0, m.scroll - step);
        return none({ ...state, mode: { ...m, scroll } });
      }
      if (input === 'G' && m.kind === 'logs') return none({ ...state, mode: { ...m, scroll: 0 } });
      return none();
    }

    case 'list': {
      const n = ctx.items.length;
      const sel = clamp(state.selected, 0, Math.max(0, n - 1));
      const current = ctx.items[sel];
      if (key.ctrl && input === 'd') {
        if (!current) return none();
        return none({ ...state, mode: { kind: 'confirm', id: current.id, label: current.label }, message: undefined });
      }
      if (key.ctrl && input === 'r') return { state, effects: [{ type: 'refresh' }] };
      if (key.ctrl) return none();
      if (input === 'q') return { state, effects: [{ type: 'quit' }] };
      if (input === '?') return none({ ...state, mode: { kind: 'help' } });
      if (input === '/') return none({ ...state, mode: { kind: 'filter', draft: state.filter }, message: undefined });
      if (input === ':') return none({ ...state, mode: { kind: 'command', draft: '' }, message: undefined });
      if (key.escape) {
        if (state.filter) return none({ ...state, filter: '', selected: 0 });
        return none({ ...state, message: undefined });
      }
      if (key.upArrow || input === 'k') return none({ ...state, selected: clamp(sel - 1, 0, Math.max(0, n - 1)) });
      if (key.downArrow || input === 'j') return none({ ...state, selected: clamp(sel + 1, 0, Math.max(0, n - 1)) });
      if (key.pageUp) return none({ ...state, selected: clamp(sel - ctx.page, 0, Math.max(0, n - 1)) });
      if (key.pageDown) return none({ ...state, selected: clamp(sel + ctx.page, 0, Math.max(0, n - 1)) });
      if (input === 'g') return none({ ...state, selected: 0 });
      if (input === 'G') return none({ ...state, selected: Math.max(0, n - 1) });
      if (!current) return none();
      if (key.return || input === 'd') return none({ ...state, mode: { kind: 'describe', id: current.id, scroll: 0 } });
      if (input === 'l') return none({ ...state, mode: { kind: 'logs', id: current.id, instance: 0, scroll: 0 } });
      return none();
    }
  }
}

/** The help screen: key, what it does. */
export const HELP: readonly [string, string][] = [
  ['↑/↓ j/k', 'select (PgUp/PgDn, g/G: page, first, last)'],
  ['enter, d', 'describe: inspect, recent events, health-check history'],
  ['l', 'logs of the selected deployment, following (tab: next instance)'],
  ['/', 'filter by name, namespace, status or image (esc clears)'],
  [':ns NAME', 'switch namespace (:ns all = every namespace)'],
  ['ctrl-d', 'delete the selected deployment (asks; only y deletes)'],
  ['ctrl-r', 'refresh now'],
  ['?', 'this help'],
  ['esc', 'back / clear the filter'],
  ['q, :q', 'quit (in a view: back)'],
];
