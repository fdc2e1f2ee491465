// Kubernetes object names: ring names (2–63 chars, may hold `_` or `.`) normalised to DNS-1123
// labels, or refused with the reason. Pure.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export type NameResult = { ok: true; name: string; changed: boolean } | { ok: false; reason: string };

/**
 * Lower-cases and turns `_` and `.` into `-` (the only characters ring names allow that DNS-1123
 * labels do not); anything still invalid after that is refused, never silently mangled further.
 */
export function dns1123Label(raw: string, what: string): NameResult {
  const name = raw.toLowerCase().replace(/[_.]/g, '-');
  if (name.length === 0) return { ok: false, reason: `${what} '${raw}' is empty` };
  if (name.length > 63) return { ok: false, reason: `${what} '${raw}' is longer than 63 characters (DNS-1123 label)` };
  if (!DNS1123_LABEL.test(name)) {
    return {
      ok: false,
      reason: `${what} '${raw}' cannot be made a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`,
    };
  }
  return { ok: true, name, changed: name !== raw };
}

// Label values: ≤ 63 chars of [A-Za-z0-9-_.], starting and ending alphanumeric (or empty).
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
// Label keys: optional DNS-1123 subdomain prefix + '/' + a name of the same shape as a value.
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}
