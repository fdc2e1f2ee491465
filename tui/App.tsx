// `ring tui`: polls the deployments, shows them in a table and acts on the selected one.
// Keys: ↑/↓ (k/j) select, Enter/e events, d delete (y/n confirm), Esc closes a panel, q quits.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { DeploymentTable } from './DeploymentTable.js';
import { EventsPanel } from './EventsPanel.js';
import { toRows, visibleDeployments, type Deployment, type DeploymentEvent } from './format.js';
import type { TuiSource } from './source.js';

export interface AppProps {
  source: TuiSource;
  intervalMs: number;
  /** Clock for ages; tests pin it. */
  now?: () => number;
}

type Panel =
  | { kind: 'none' }
  | { kind: 'events'; id: string; name: string; events?: DeploymentEvent[]; error?: string }
  | { kind: 'confirm'; id: string; name: string; namespace: string };

interface Message {
  text: string;
  colour: 'green' | 'red' | 'yellow';
}

const EVENTS_LINES = 10;

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/^error:\s*/i, '');
}

export function App({ source, intervalMs, now = Date.now }: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const width = Math.max(40, (stdout?.columns ?? 120) - 1);
  const height = stdout?.rows ?? 30;

  const [deployments, setDeployments] = useState<Deployment[] | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [refreshedAt, setRefreshedAt] = useState<number | undefined>(undefined);
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [panel, setPanel] = useState<Panel>({ kind: 'none' });
  const [message, setMessage] = useState<Message | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const panelRef = useRef(panel);
  panelRef.current = panel;

  // Poll: one request at a time, the next one `intervalMs` after the previous answer.
  useEffect(() => {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const poll = async () => {
      try {
        const list = await source.list(abort.signal);
        if (abort.signal.aborted) return;
        setDeployments(list);
        setLoadError(undefined);
        setRefreshedAt(now());
        const p = panelRef.current;
        if (p.kind === 'events') {
          const events = await source.events(p.id, abort.signal).catch(() => undefined);
          if (events && !abort.signal.aborted) setPanel((cur) => (cur.kind === 'events' && cur.id === p.id ? { ...cur, events } : cur));
        }
      } catch (e) {
        if (!abort.signal.aborted) setLoadError(errorText(e));
      }
      if (!abort.signal.aborted) timer = setTimeout(() => void poll(), intervalMs);
    };
    void poll();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [source, intervalMs, now, tick]);

  const rows = toRows(visibleDeployments(deployments ?? []), now());
  // When the selected row goes away (deleted), the row that took its place is selected.
  const lastIndex = useRef(0);
  let selected = rows.findIndex((r) => r.id === selectedId);
  if (selected < 0) selected = Math.min(lastIndex.current, rows.length - 1);
  lastIndex.current = Math.max(0, selected);
  const current = selected >= 0 ? rows[selected] : undefined;

  const openEvents = useCallback((id: string, name: string) => {
    setPanel({ kind: 'events', id, name });
    source.events(id).then(
      (events) => setPanel((cur) => (cur.kind === 'events' && cur.id === id ? { ...cur, events, error: undefined } : cur)),
      (e: unknown) => setPanel((cur) => (cur.kind === 'events' && cur.id === id ? { ...cur, error: errorText(e) } : cur)),
    );
  }, [source]);

  const remove = useCallback((id: string, name: string, namespace: string) => {
    setMessage({ text: `Deleting ${namespace}/${name}…`, colour: 'yellow' });
    source.remove(id).then(
      () => {
        setMessage({ text: `Deleted ${namespace}/${name}`, colour: 'green' });
        setTick((t) => t + 1); // refresh now rather than at the next interval
      },
      (e: unknown) => setMessage({ text: `Delete failed: ${errorText(e)}`, colour: 'red' }),
    );
  }, [source]);

  useInput((input, key) => {
    if (panel.kind === 'confirm') {
      if (input === 'y' || input === 'Y') remove(panel.id, panel.name, panel.namespace);
      else setMessage({ text: 'Delete cancelled', colour: 'yellow' });
      setPanel({ kind: 'none' });
      return;
    }
    if (input === 'q') {
      exit();
      return;
    }
    if (panel.kind === 'events' && (key.escape || key.return || input === 'e')) {
      setPanel({ kind: 'none' });
      return;
    }
    if (key.escape) {
      setMessage(undefined);
      return;
    }
    if (rows.length === 0) return;
    if (key.upArrow || input === 'k') setSelectedId(rows[Math.max(0, selected - 1)]!.id);
    else if (key.downArrow || input === 'j') setSelectedId(rows[Math.min(rows.length - 1, selected + 1)]!.id);
    else if (current && (key.return || input === 'e')) openEvents(current.id, current.name);
    else if (current && input === 'd') {
      setMessage(undefined);
      setPanel({ kind: 'confirm', id: current.id, name: current.name, namespace: current.namespace });
    }
  });

  // header (1) + blank (1) + table header (1) + footer lines (blank, message, help = 3)
  const panelLines = panel.kind === 'events' ? EVENTS_LINES + 2 : panel.kind === 'confirm' ? 2 : 0;
  // One line spare: ink redraws the whole screen (flickers) once the output fills the terminal.
  const tableHeight = Math.max(1, height - 7 - panelLines);
  const refreshed = refreshedAt === undefined ? 'loading…' : `refreshed ${new Date(refreshedAt).toISOString().slice(11, 19)}`;

  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold color="cyan">ring</Text>
        {` ${source.description} — ${rows.length} deployment${rows.length === 1 ? '' : 's'} — ${refreshed} (every ${intervalMs / 1000}s)`}
      </Text>
      {loadError ? <Text color="red" wrap="truncate">{loadError}</Text> : <Text> </Text>}
      <DeploymentTable rows={rows} selected={selected} width={width} height={tableHeight} />
      {panel.kind === 'events' && <EventsPanel name={panel.name} events={panel.events} error={panel.error} width={width} lines={EVENTS_LINES} />}
      {panel.kind === 'confirm' && (
        <Box marginTop={1}>
          <Text color="yellow" bold>{`Delete deployment ${panel.namespace}/${panel.name} (${panel.id})? [y/N]`}</Text>
        </Box>
      )}
      <Text> </Text>
      {message ? <Text color={message.colour} wrap="truncate">{message.text}</Text> : <Text> </Text>}
      <Text dimColor wrap="truncate">↑/↓ select · enter/e events · d delete · esc close · q quit</Text>
    </Box>
  );
}
