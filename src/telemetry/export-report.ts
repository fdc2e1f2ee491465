// What the log says about one signal's exports: the first failure of an outage (one warning), and
// the first success after it (one info line). Every batch in between stays quiet, so a collector
// that is down for a day costs two lines, not one per batch. Pure: the state and a result in, the
// next state and the line to log (if any) out.

export interface ExportState {
  /** Failures since the last success (0 = healthy). */
  failing: number;
  /** When the outage began (ms), for the recovery line. */
  since: number;
}

export const HEALTHY: ExportState = { failing: 0, since: 0 };

export interface ReportLine {
  level: 'warn' | 'info';
  message: string;
}

export function reportExport(
  state: ExportState, result: { ok: boolean; error?: string }, at: number, what: { signal: string; url: string },
): { state: ExportState; line: ReportLine | null } {
  if (result.ok) {
    if (state.failing === 0) return { state, line: null };
    const secs = Math.max(0, Math.round((at - state.since) / 1000));
    return {
      state: HEALTHY,
      line: { level: 'info', message: `telemetry: OTLP ${what.signal} export to ${what.url} works again (after ${state.failing} failed ${state.failing === 1 ? 'export' : 'exports'}, ${secs}s)` },
    };
  }
  if (state.failing > 0) return { state: { failing: state.failing + 1, since: state.since }, line: null };
  return {
    state: { failing: 1, since: at },
    line: {
      level: 'warn',
      message: `telemetry: OTLP ${what.signal} export to ${what.url} failed: ${result.error ?? 'unknown error'} (the server goes on; further failures are not logged until an export succeeds)`,
    },
  };
}
