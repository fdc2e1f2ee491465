// The status line at the bottom: server, context, namespace, how fresh the data is, and the help
// hint, shortened part by part for narrow terminals. Pure.

export interface FooterInfo {
  server: string;
  context: string;
  namespace: string | undefined;
  /** ms epoch of the last good refresh. */
  refreshedAt?: number;
  /** `stream`, `poll 1s`. */
  feed: string;
  filter: string;
  now: number;
}

const clock = (t: number) => new Date(t).toISOString().slice(11, 19);

/** Parts in order; when the width runs out, the lowest-priority parts go first. */
export function footerText(f: FooterInfo, width: number): string {
  const age = f.refreshedAt === undefined ? 'never' : `${clock(f.refreshedAt)} (${Math.max(0, Math.round((f.now - f.refreshedAt) / 1000))}s ago)`;
  const parts: { text: string; priority: number }[] = [
    { text: `server ${f.server}`, priority: 3 },
    { text: `ctx ${f.context}`, priority: 4 },
    { text: `ns ${f.namespace ?? 'all'}`, priority: 1 },
    ...(f.filter ? [{ text: `/${f.filter}`, priority: 1 }] : []),
    { text: `refreshed ${age}`, priority: 2 },
    { text: f.feed, priority: 5 },
    { text: '? help', priority: 0 },
  ];
  const sep = ' · ';
  let kept = parts;
  const len = (ps: typeof parts) => ps.map((p) => p.text).join(sep).length;
  while (len(kept) > width && kept.length > 1) {
    const worst = Math.max(...kept.map((p) => p.priority));
    const i = kept.findLastIndex((p) => p.priority === worst);
    kept = kept.filter((_, j) => j !== i);
  }
  const text = kept.map((p) => p.text).join(sep);
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
}
