// Outbound webhooks, the pure part (RING.md §7.2): event kinds, subscription filters, the
// subscriber-URL guard and the error categories. No I/O: the dispatcher and the API share it.
import { isIP } from 'node:net';
import type { Violation } from './deployment.js';

export const EVENT_KINDS = [
  'deployment.status_changed',
  'deployment.health_check_failed',
  'deployment.rolling_update',
  'deployment.scaled',
  'deployment.error',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Bumped on any breaking change to a payload; receivers can branch on it. */
export const SCHEMA_VERSION = 1;

const FAMILIES = [...new Set(EVENT_KINDS.map((k) => k.split('.')[0]!))];

/** Ring's message for a malformed filter entry, or null when it is `*`, `<family>.*` or a known kind. */
export function filterProblem(entry: string): string | null {
  if (entry === '*') return null;
  if (entry.endsWith('.*')) {
    const family = entry.slice(0, -2);
    return FAMILIES.includes(family) ? null : `unknown event family '${family}.*' (known families: ${FAMILIES.join(', ')})`;
  }
  if ((EVENT_KINDS as readonly string[]).includes(entry)) return null;
  // The classic typo: a wildcard without the separating dot (`deployment*`).
  if (entry.endsWith('*')) return `invalid wildcard '${entry}' — use '*' for all kinds or '<family>.*' (e.g. 'deployment.*')`;
  return `unknown event kind '${entry}' (known: ${EVENT_KINDS.join(', ')})`;
}

/** Whether a subscription filter (empty = everything) takes this kind. */
export function subscribesTo(filters: readonly string[], kind: string): boolean {
  if (filters.length === 0) return true;
  return filters.some((f) => {
    if (f === '*') return true;
    // The dot stays in the prefix, so `deployment.*` never matches `deploymentx.scaled`.
    if (f.endsWith('.*')) return kind.startsWith(f.slice(0, -1));
    return f === kind;
  });
}

// ---------------------------------------------------------------------------------------------
// Subscriber URLs (SSRF guard)

export interface UrlPolicy {
  /** Loopback targets (127/8, ::1, localhost) for receivers on the same host and for tests. */
  allowLoopback: boolean;
}

/**
 * Why a literal address must not be called, or null. Loopback (the host's own unauthenticated
 * services), link-local (169.254/16: cloud metadata) and unspecified/"this network" (0/8, ::,
 * which Linux routes to the host itself). IPv4-mapped and IPv4-compatible IPv6 forms
 * (`::ffff:127.0.0.1`, `::127.0.0.1`) are judged by the IPv4 address they carry, which Ring
 * does not do (§14). RFC 1918 / ULA stay allowed: an internal receiver is the normal case.
 */
export function blockedAddressReason(address: string, policy: UrlPolicy): string | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return blockedV4(v4Octets(bare), policy);
  if (family !== 6) return null;
  const h = v6Hextets(bare);
  if (!h) return 'unparseable IPv6 address';
  const zeros5 = h.slice(0, 5).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated but still routed by some stacks).
  if (zeros5 && (h[5] === 0xffff || (h[5] === 0 && (h[6] !== 0 || h[7] > 1)))) {
    return blockedV4([h[6]! >> 8, h[6]! & 0xff, h[7]! >> 8, h[7]! & 0xff], policy);
  }
  if (h.every((x) => x === 0)) return 'unspecified address';
  if (h.slice(0, 7).every((x) => x === 0) && h[7] === 1) return policy.allowLoopback ? null : 'loopback address';
  if ((h[0]! & 0xffc0) === 0xfe80) return 'link-local address';
  return null;
}

function blockedV4(o: number[], policy: UrlPolicy): string | null {
  if (o[0] === 127) return policy.allowLoopback ? null : 'loopback address';
  if (o[0] === 169 && o[1] === 254) return 'link-local address';
  if (o[0] === 0) return 'unspecified address';
  return null;
}

function v4Octets(s: string): number[] {
  return s.split('.').map(Number);
}

/** Eight 16-bit groups, with `::` expanded and a trailing dotted IPv4 folded in. */
function v6Hextets(s: string): number[] | null {
  let text = s.split('%')[0]!.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const o = v4Octets(dotted[1]!);
    text = text.slice(0, -dotted[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, null];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((x) => parseInt(x, 16)));
  const left = parse(head);
  const right = tail === null ? [] : parse(tail);
  const fill = 8 - left.length - right.length;
  if (fill < 0 || (tail === null && fill !== 0)) return null;
  const out = [...left, ...new Array<number>(fill).fill(0), ...right];
  return out.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff) ? out : null;
}

function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  // RFC 6761: every name under .localhost resolves to loopback.
  return h === 'localhost' || h.endsWith('.localhost');
}

/** Ring's `webhook.url.format` reason for a subscriber URL, or null when it may be called. */
export function urlProblem(raw: string, policy: UrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be a valid http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  // WHATWG URL parsing already normalises 0x7f.1, 2130706433, [::ffff:127.0.0.1], … to one form.
  const host = url.hostname;
  if (!host) return 'URL must have a host';
  if (isLocalhostName(host)) return policy.allowLoopback ? null : 'URL must not target localhost';
  const blocked = blockedAddressReason(host, policy);
  if (blocked) return `URL must not target an internal address (${host.replace(/^\[|\]$/g, '')}: ${blocked})`;
  return null;
}

/** Every violation of a POST /webhooks body's url and events, at once. */
export function validateWebhookInput(input: { url: string; events?: string[] }, policy: UrlPolicy): Violation[] {
  const violations: Violation[] = [];
  const url = urlProblem(input.url, policy);
  if (url) violations.push({ property_path: 'url', message: url, code: 'webhook.url.format' });
  (input.events ?? []).forEach((e, i) => {
    const problem = filterProblem(e);
    if (problem) violations.push({ property_path: `events[${i}]`, message: problem, code: 'webhook.events.unknown' });
  });
  return violations;
}

// ---------------------------------------------------------------------------------------------
// deployment.error categories

export type ErrorCategory = 'user' | 'host' | 'transient';

/**
 * Event reasons that surface as `deployment.error`, with the reason reported and its triage
 * category (RING §7.2). Cloud Hypervisor's PascalCase reasons count too (Ring drops them, §14).
 */
const ERROR_REASONS: Record<string, { reason: string; category: ErrorCategory }> = {};
for (const [category, reasons] of [
  ['user', ['image_pull_back_off', 'config_error']],
  ['host', ['insufficient_resources']],
  ['transient', ['instance_creation_failed', 'network_creation_failed', 'file_system_error', 'port_allocation_failed',
    'vm_start_failed', 'firmware_not_found', 'stats_fetch_failed', 'runtime_error']],
] as const) {
  for (const reason of reasons) ERROR_REASONS[reason] = { reason, category };
}
for (const [pascal, reason] of [
  ['ImageNotFound', 'image_pull_back_off'], ['ImagePullFailed', 'image_pull_back_off'], ['ConfigError', 'config_error'],
  ['InstanceCreationFailed', 'instance_creation_failed'], ['NetworkCreationFailed', 'network_creation_failed'],
  ['PortAllocationFailed', 'port_allocation_failed'], ['VmStartFailed', 'vm_start_failed'], ['FirmwareNotFound', 'firmware_not_found'],
] as const) {
  ERROR_REASONS[pascal] = ERROR_REASONS[reason]!;
}

export function errorCategory(eventReason: string): { reason: string; category: ErrorCategory } | null {
  return Object.hasOwn(ERROR_REASONS, eventReason) ? ERROR_REASONS[eventReason]! : null;
}
