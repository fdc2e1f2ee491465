// The server's log lines as OpenTelemetry log records: pino's record (level number, ISO time,
// target, msg and the fields) → severity, body and attributes. Pure, table-tested.
import { SeverityNumber, type LogRecord, type AnyValueMap } from '@opentelemetry/api-logs';

const SEVERITY: Record<number, [SeverityNumber, string]> = {
  10: [SeverityNumber.TRACE, 'TRACE'],
  20: [SeverityNumber.DEBUG, 'DEBUG'],
  30: [SeverityNumber.INFO, 'INFO'],
  40: [SeverityNumber.WARN, 'WARN'],
  50: [SeverityNumber.ERROR, 'ERROR'],
  60: [SeverityNumber.FATAL, 'FATAL'],
};

/** An attribute value: primitives as they are, an error as its message, anything else as JSON. */
function attributeValue(v: unknown): string | number | boolean | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'object' && 'message' in v && ('stack' in v || 'type' in v)) return String((v as { message: unknown }).message);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export function logRecordOf(line: Record<string, unknown>): LogRecord {
  const { level, time, msg, target, pid: _pid, hostname: _hostname, ...fields } = line;
  const [severityNumber, severityText] = SEVERITY[typeof level === 'number' ? level : 30] ?? [SeverityNumber.INFO, 'INFO'];
  const attributes: AnyValueMap = {};
  if (typeof target === 'string') attributes['log.target'] = target;
  for (const [k, v] of Object.entries(fields)) {
    const value = attributeValue(v);
    if (value !== undefined) attributes[k] = value;
  }
  const ms = typeof time === 'string' ? Date.parse(time) : typeof time === 'number' ? time : NaN;
  return {
    ...(Number.isFinite(ms) ? { timestamp: ms } : {}),
    severityNumber,
    severityText,
    body: typeof msg === 'string' ? msg : '',
    attributes,
  };
}
