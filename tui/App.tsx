// `ring tui`: deployments and rollouts, live, k9s style. Keys are decided by keys.ts (pure); this
// component fetches, remembers rollouts between refreshes, and draws the current view.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { describeLines } from './describe.js';
import { matchesFilter } from './filter.js';
import { footerText } from './footer.js';
import type { Deployment, DeploymentEvent } from './format.js';
import { gateView, type HealthCheckResult } from './gate.js';
import { ItemList, type ListEntry } from './ItemList.js';
import { HELP, initialState, reduce, type Effect, type UiState } from './keys.js';
import { SegmentLine, ToneLine, colourOf, type Theme } from './Lines.js';
import { bannerText, retryDelayMs, SourceError } from './problems.js';
import { groupItems, remember, rolloutProgress, type RolloutMemory } from './rollout.js';
import type { LogLine, TuiSource } from './source.js';
import { itemRow } from './table.js';

export interface AppProps {
  source: TuiSource;
  intervalMs: number;
  namespace?: string;
  theme?: Theme;
  /** Clock for ages and countdowns; tests pin it. */
  now?: () => number;
}

const LOG_BUFFER = 500;
const GATE_HISTORY = 200;

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/^error:\s*/i, '');
}

export function App({ source, intervalMs, namespace: initialNs, theme = { colour: true, ascii: false }, now = Date.now }: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const width = Math.max(20, (stdout?.columns ?? 120) - 1);
  const height = Math.max(8, stdout?.rows ?? 30);

  const [namespace, setNamespace] = useState<string | undefined>(initialNs);
  const [deployments, setDeployments] = useState<Deployment[] | undefined>(undefined);
  const [problem, setProblem] = useState<{ error: unknown; retryInMs?: number } | undefined>(undefined);
  const [refreshedAt, setRefreshedAt] = useState<number | undefined>(undefined);
  const [ui, setUi] = useState<UiState>(initialState);
  const [gates, setGates] = useState<Map<string, HealthCheckResult[]>>(new Map());
  const [detail, setDetail] = useState<{ id: string; events?: DeploymentEvent[]; checks?: HealthCheckResult[]; error?: string } | undefined>(undefined);
  const [logs, setLogs] = useState<{ key: string; lines: LogLine[]; error?: string; ended?: boolean }>({ key: '', lines: [] });
  const [, setClock] = useState(0);
  const [kick, setKick] = useState(0);
  const memory = useRef<Map<string, RolloutMemory>>(new Map());
  const uiRef = useRef(ui);
  uiRef.current = ui;

  // Countdowns and "Ns ago" move even when nothing else does.
  useEffect(() => {
    const t = setInterval(() => setClock((c) => c + 1), 1000);
    return () => clearInterval(t);
  }, []);

  // The push stream of deployment changes, when the source has one: the list then comes from it and
  // the refresh loop below only reads what the stream does not carry (gate history, describe). When
  // it breaks, the loop polls the list again and the stream is retried every few seconds.
  const streamed = useRef<{ live: boolean; list: Deployment[] }>({ live: false, list: [] });
  const [feed, setFeed] = useState<'stream' | 'poll'>('poll');
  useEffect(() => {
    if (!source.watch) return;
    const abort = new AbortController();
    streamed.current = { live: false, list: [] };
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          await source.watch!(namespace, abort.signal, (list) => {
            const t = now();
            streamed.current = { live: true, list };
            memory.current = remember(memory.current, list, t);
            setDeployments(list);
            setRefreshedAt(t);
            setProblem(undefined);
            setFeed('stream');
          });
        } catch { /* polled meanwhile */ }
        streamed.current = { ...streamed.current, live: false };
        if (!abort.signal.aborted) setFeed('poll');
        await new Promise((r) => setTimeout(r, 3000));
      }
    })();
    return () => abort.abort();
  }, [source, namespace, now]);

  // The refresh loop: one list at a time, then what the open view needs. While the server is away
  // the delay backs off and the banner says when the next try is.
  useEffect(() => {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let failures = 0;
    const refresh = async () => {
      let delay = intervalMs;
      try {
        const live = streamed.current.live;
        const list = live ? streamed.current.list : await source.list(namespace, abort.signal);
        if (abort.signal.aborted) return;
        const t = now();
        if (!live) {
          memory.current = remember(memory.current, list, t);
          setDeployments(list);
          setRefreshedAt(t);
          setProblem(undefined);
        }
        failures = 0;
        // Gate state only for children still coming up or draining: a few small reads, not a poll of everything.
        const children = list.filter((d) => memory.current.has(d.id) && d.readiness && d.status !== 'deleted');
        const fetched = await Promise.all(children.map(async (d) => [d.id, await source.healthChecks(d.id, GATE_HISTORY, abort.signal).catch(() => undefined)] as const));
        if (abort.signal.aborted) return;
        setGates(new Map(fetched.filter((x): x is readonly [string, HealthCheckResult[]] => x[1] !== undefined)));
        const m = uiRef.current.mode;
        if (m.kind === 'describe') {
          const [events, checks] = await Promise.all([source.events(m.id, abort.signal), source.healthChecks(m.id, 20, abort.signal)]).catch((e: unknown) => {
            setDetail((cur) => ({ ...(cur?.id === m.id ? cur : {}), id: m.id, error: errorText(e) }));
            return [undefined, undefined] as const;
          });
          if (events && !abort.signal.aborted) setDetail({ id: m.id, events, checks });
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        failures++;
        const forbidden = e instanceof SourceError && (e.kind === 'forbidden' || e.kind === 'unauthorized');
        delay = forbidden ? Math.max(intervalMs, 5000) : retryDelayMs(failures, intervalMs);
        setProblem({ error: e, ...(forbidden ? {} : { retryInMs: delay }) });
      }
      if (!abort.signal.aborted) timer = setTimeout(() => void refresh(), delay);
    };
    void refresh();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [source, intervalMs, namespace, now, kick]);

  const t = now();
  const entries: ListEntry[] = useMemo(() => {
    const items = groupItems(deployments ?? [], memory.current).filter((i) => matchesFilter(i, ui.filter));
    const built = items.map((item) => {
      if (item.kind === 'single') return { item, row: itemRow(item, undefined, t) };
      const c = item.child;
      const gate = gateView(c.readiness, c.health_checks, gates.get(c.id) ?? [], c.instances.map((i) => i.id), t);
      const progress = rolloutProgress(item, gate, t);
      return { item, row: itemRow(item, progress, t), progress, ...(gate ? { gate } : {}) };
    });
    return built.sort((a, b) => a.row.namespace.localeCompare(b.row.namespace) || a.row.name.localeCompare(b.row.name));
  }, [deployments, gates, ui.filter, t]);

  const selected = Math.min(ui.selected, Math.max(0, entries.length - 1));
  const byId = useMemo(() => new Map((deployments ?? []).map((d) => [d.id, d])), [deployments]);
  const mode = ui.mode;
  const viewed = mode.kind === 'describe' || mode.kind === 'logs' ? byId.get(mode.id) : undefined;

  // Describe: load at once when opened (the refresh loop keeps it current).
  const describeId = mode.kind === 'describe' ? mode.id : undefined;
  useEffect(() => {
    if (!describeId) return;
    const abort = new AbortController();
    setDetail({ id: describeId });
    Promise.all([source.events(describeId, abort.signal), source.healthChecks(describeId, 20, abort.signal)]).then(
      ([events, checks]) => !abort.signal.aborted && setDetail({ id: describeId, events, checks }),
      (e: unknown) => !abort.signal.aborted && setDetail({ id: describeId, error: errorText(e) }),
    );
    return () => abort.abort();
  }, [describeId, source]);

  // Logs: one follow stream for the deployment (or one instance of it), reopened when that changes.
  const logInstances = viewed?.instances ?? [];
  const logContainer = mode.kind === 'logs' && mode.instance > 0 ? logInstances[mode.instance - 1]?.id : undefined;
  const logKey = mode.kind === 'logs' ? `${mode.id}/${logContainer ?? '*'}` : '';
  useEffect(() => {
    if (mode.kind !== 'logs') return;
    const abort = new AbortController();
    const id = mode.id;
    setLogs({ key: logKey, lines: [] });
    let pending: LogLine[] = [];
    // Lines arrive in bursts: draw at most every 100 ms.
    const flush = setInterval(() => {
      if (pending.length === 0) return;
      const add = pending;
      pending = [];
      setLogs((cur) => (cur.key === logKey ? { ...cur, lines: [...cur.lines, ...add].slice(-LOG_BUFFER) } : cur));
    }, 100);
    source.followLogs(id, { ...(logContainer ? { container: logContainer } : {}), tail: 100, signal: abort.signal }, (l) => pending.push(l)).then(
      () => !abort.signal.aborted && setLogs((cur) => (cur.key === logKey ? { ...cur, ended: true } : cur)),
      (e: unknown) => !abort.signal.aborted && setLogs((cur) => (cur.key === logKey ? { ...cur, error: errorText(e) } : cur)),
    );
    return () => {
      abort.abort();
      clearInterval(flush);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [logKey, source]);

  const run = useCallback((effects: Effect[]) => {
    for (const e of effects) {
      if (e.type === 'quit') exit();
      else if (e.type === 'refresh') setKick((k) => k + 1);
      else if (e.type === 'namespace') {
        setNamespace(e.namespace);
        setDeployments(undefined);
        setUi((u) => ({ ...u, message: { text: `Namespace: ${e.namespace ?? 'all'}`, tone: 'info' } }));
      } else if (e.type === 'delete') {
        source.remove(e.id).then(
          () => {
            setUi((u) => ({ ...u, message: { text: `Deleted ${e.label}`, tone: 'ok' } }));
            setKick((k) => k + 1);
          },
          (err: unknown) => setUi((u) => ({ ...u, message: { text: `Delete failed: ${errorText(err)}`, tone: 'error' } })),
        );
      }
    }
  }, [exit, source]);

  const bodyHeight = Math.max(3, height - 6);
  // The key handler reads refs only: ink may call a handler of an earlier render while the list
  // refreshes under it, and a stale selection must not win over the one just made.
  const keyCtx = useRef({ items: [] as { id: string; label: string }[], logInstances: 0, page: 1 });
  keyCtx.current = {
    items: entries.map((e) => ({ id: e.row.id, label: `${e.row.namespace}/${e.row.name} (${e.row.id})` })),
    logInstances: logInstances.length,
    page: Math.max(1, bodyHeight - 2),
  };
  useInput((input, key) => {
    const step = reduce(uiRef.current, input, key, keyCtx.current);
    uiRef.current = step.state;
    setUi(step.state);
    run(step.effects);
  });

  const rollouts = entries.filter((e) => e.item.kind === 'rollout' && e.progress && e.progress.phase !== 'complete' && e.progress.phase !== 'failed').length;
  const title = `${entries.length} item${entries.length === 1 ? '' : 's'}${rollouts ? `, ${rollouts} rolling` : ''}${deployments === undefined && !problem ? ' — loading…' : ''}`;
  const banner = problem ? bannerText(problem.error, source.server, problem.retryInMs) : undefined;
  const msgColour = ui.message ? ({ info: undefined, ok: 'green', warn: 'yellow', error: 'red' } as const)[ui.message.tone] : undefined;

  let body;
  if (mode.kind === 'help') {
    body = (
      <Box flexDirection="column">
        <Text bold>Keys</Text>
        {HELP.map(([k, what]) => <Text key={k} wrap="truncate">{`  ${k.padEnd(12)}${what}`}</Text>)}
        <Text dimColor>{'  esc, ? or q closes this help'}</Text>
      </Box>
    );
  } else if (mode.kind === 'describe') {
    const lines = viewed
      ? describeLines({ deployment: viewed, ...(detail?.id === mode.id ? { events: detail.events, checks: detail.checks, error: detail.error } : {}), now: t })
      : [{ text: `deployment ${mode.id} is gone`, tone: 'warn' as const }];
    const top = Math.min(mode.scroll, Math.max(0, lines.length - bodyHeight));
    body = (
      <Box flexDirection="column">
        {lines.slice(top, top + bodyHeight).map((l, i) => <ToneLine key={top + i} line={l} theme={theme} />)}
      </Box>
    );
  } else if (mode.kind === 'logs') {
    const who = logContainer ? `instance ${logContainer.slice(0, 12)}` : `all ${logInstances.length} instance${logInstances.length === 1 ? '' : 's'}`;
    const head = `Logs of ${viewed ? `${viewed.namespace}/${viewed.name}` : mode.id} — ${who} (tab: next instance) — ${mode.scroll ? `scrolled back ${mode.scroll}, G: follow` : 'following'}`;
    const shown = bodyHeight - 1;
    const endAt = Math.max(0, logs.lines.length - mode.scroll);
    const slice = logs.lines.slice(Math.max(0, endAt - shown), endAt);
    body = (
      <Box flexDirection="column">
        <Text bold wrap="truncate">{head}</Text>
        {logs.error && <Text color={colourOf(theme, 'red')} wrap="truncate">{logs.error}</Text>}
        {!logs.error && slice.length === 0 && <Text dimColor>{logs.ended ? 'no log lines (the stream ended)' : 'waiting for log lines…'}</Text>}
        {slice.map((l, i) => (
          <Text key={i} wrap="truncate" color={colourOf(theme, l.level === 'stderr' || l.level === 'error' ? 'yellow' : undefined)}>
            {`${l.instance.slice(0, 8)} ${l.message.replace(/\s+$/, '')}`}
          </Text>
        ))}
      </Box>
    );
  } else {
    body = (
      <ItemList entries={entries} selected={selected} width={width} height={bodyHeight} theme={theme} now={t}
        emptyText={deployments === undefined ? (problem ? 'No data yet.' : 'Loading…') : ui.filter ? `Nothing matches /${ui.filter}` : 'No deployments.'} />
    );
  }

  const prompt = mode.kind === 'filter' ? `/${mode.draft}█` : mode.kind === 'command' ? `:${mode.draft}█` : undefined;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold color={colourOf(theme, 'cyan' as never)}>ring</Text>
        {` ${title}`}
      </Text>
      {banner ? <SegmentLine theme={theme} segments={[{ text: `! ${banner}`, colour: 'red' }]} inverse={!theme.colour} /> : <Text> </Text>}
      {body}
      {mode.kind === 'confirm' && (
        <Text bold color={colourOf(theme, 'yellow')} wrap="truncate">{`Delete deployment ${mode.label}? [y/N] (anything but y cancels)`}</Text>
      )}
      {prompt !== undefined ? <Text wrap="truncate">{prompt}</Text> : ui.message ? <Text color={colourOf(theme, msgColour)} wrap="truncate">{ui.message.text}</Text> : <Text> </Text>}
      <Text dimColor wrap="truncate">
        {footerText({ server: source.server, context: source.context, namespace, refreshedAt, feed: feed === 'stream' ? 'live stream' : `poll ${intervalMs / 1000}s`, filter: ui.filter, now: t }, width)}
      </Text>
    </Box>
  );
}
