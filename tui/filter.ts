// The `/` filter: every word must match the namespace, name, status, image or id of an item (a
// rollout matches through either side). Case-insensitive; `!word` excludes. Pure.
import type { Deployment } from './format.js';
import type { Item } from './rollout.js';

function haystack(d: Deployment): string {
  return [d.namespace, d.name, `${d.namespace}/${d.name}`, d.status, d.image, d.id].join('\n').toLowerCase();
}

export function matchesFilter(item: Item, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = item.kind === 'single' ? haystack(item.deployment)
    : [haystack(item.child), item.parent ? haystack(item.parent) : '', 'rollout rolling'].join('\n');
  return words.every((w) => (w.startsWith('!') && w.length > 1 ? !text.includes(w.slice(1)) : text.includes(w)));
}
