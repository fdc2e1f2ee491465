// Beyond Ring: the fields of each health check (type and its target, durations, threshold, action),
// within LIMITS.deployment. Pure; untrusted JSON in, violations out.
import type { Violation } from './deployment.js';
import { parseDuration, formatDuration } from './durations.js';
import { LIMITS } from './limits.js';
import { FIELDS, HEALTH_CHECK_TYPES, ON_FAILURE_ACTIONS } from './deployment-vocabulary.js';
import { includes, isObject, isPort, nonBlank, show, tooLong, tooMany, unknownFields, v } from './validation-kit.js';

const L = LIMITS.deployment;

export function healthChecksViolations(healthChecks: unknown[]): Violation[] {
  return [
    ...healthChecks.flatMap((raw, i) => healthCheckViolations(raw, `health_checks[${i}]`)),
    ...tooMany(healthChecks.length, L.healthChecks, 'health checks', 'health_checks', 'deployment.health_checks.too_many'),
  ];
}

function healthCheckViolations(raw: unknown, p: string): Violation[] {
  const out: Violation[] = [];
  const code = (field: string) => `deployment.health_checks.${field}.invalid`;
  if (!isObject(raw)) return [v(p, 'must be an object', 'deployment.health_checks.invalid')];
  const hc = raw;

  if (!includes(HEALTH_CHECK_TYPES, hc.type)) {
    out.push(v(`${p}.type`, `type ${show(hc.type)} is not supported (supported: ${HEALTH_CHECK_TYPES.join(', ')})`, code('type')));
  } else if (hc.type === 'tcp' && !isPort(hc.port)) {
    out.push(v(`${p}.port`, `a tcp check needs a port between 1 and 65535, got ${show(hc.port)}`, code('port')));
  } else if (hc.type === 'http') {
    if (!nonBlank(hc.url)) out.push(v(`${p}.url`, 'an http check needs a url', code('url')));
    else if (!isHttpUrl(hc.url)) out.push(v(`${p}.url`, `${show(hc.url)} is not a valid http(s) URL`, code('url')));
  } else if (hc.type === 'command' && !nonBlank(hc.command)) {
    out.push(v(`${p}.command`, 'a command check needs a command', code('command')));
  }
  out.push(...tooLong(hc.url, L.healthCheckUrlLength, `${p}.url`, 'deployment.health_checks.url.length'));
  out.push(...tooLong(hc.command, L.healthCheckCommandLength, `${p}.command`, 'deployment.health_checks.command.length'));
  if (hc.port != null && hc.type !== 'tcp' && !isPort(hc.port)) {
    out.push(v(`${p}.port`, `port must be between 1 and 65535, got ${show(hc.port)}`, code('port')));
  }

  for (const field of ['interval', 'timeout'] as const) {
    const value = hc[field];
    if (value == null || value === '') {
      out.push(v(`${p}.${field}`, `${field} is required (a duration like "5s" or "500ms")`, code(field)));
    } else {
      const ms = typeof value === 'string' ? parseDuration(value) : null;
      if (ms === null || ms <= 0) {
        out.push(v(`${p}.${field}`, `invalid ${field} ${show(value)} (expected a positive duration like "5s", "500ms" or "1m30s")`, code(field)));
      } else if (ms > L.healthCheckPeriodMs) {
        out.push(v(`${p}.${field}`, `${field} must be at most ${formatDuration(L.healthCheckPeriodMs)}, got ${show(value)}`, `deployment.health_checks.${field}.too_large`));
      }
    }
  }
  for (const field of ['min_healthy_time', 'start_period'] as const) {
    const value = hc[field];
    if (value == null) continue;
    const ms = typeof value === 'string' ? parseDuration(value) : null;
    if (ms === null) {
      out.push(v(`${p}.${field}`, `invalid ${field} ${show(value)} (expected a duration like "10s", "500ms" or "1m30s")`, code(field)));
    } else if (ms > L.healthCheckWindowMs) {
      out.push(v(`${p}.${field}`, `${field} must be at most ${formatDuration(L.healthCheckWindowMs)}, got ${show(value)}`, `deployment.health_checks.${field}.too_large`));
    }
  }
  if (hc.threshold != null && !(typeof hc.threshold === 'number' && Number.isInteger(hc.threshold) && hc.threshold >= 1)) {
    out.push(v(`${p}.threshold`, `threshold must be an integer greater than or equal to 1, got ${show(hc.threshold)}`, code('threshold')));
  } else if (typeof hc.threshold === 'number' && hc.threshold > L.healthCheckThreshold) {
    out.push(v(`${p}.threshold`, `threshold must be at most ${L.healthCheckThreshold}, got ${show(hc.threshold)}`, 'deployment.health_checks.threshold.too_large'));
  }
  if (hc.on_failure != null && !includes(ON_FAILURE_ACTIONS, hc.on_failure)) {
    out.push(v(`${p}.on_failure`, `on_failure ${show(hc.on_failure)} is not supported (supported: ${ON_FAILURE_ACTIONS.join(', ')})`, code('on_failure')));
  }
  if (hc.readiness != null && typeof hc.readiness !== 'boolean') {
    out.push(v(`${p}.readiness`, 'readiness must be true or false', code('readiness')));
  }
  out.push(...unknownFields(hc, FIELDS.healthCheck, p, 'deployment.health_checks'));
  return out;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
