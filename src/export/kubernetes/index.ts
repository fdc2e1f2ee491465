// ring manifests → Kubernetes YAML (`ring export kubernetes`).
import { stringify } from 'yaml';
import type { K8sObject } from './export.js';

export { exportKubernetes } from './export.js';
export type { ExportConfig, ExportInput, ExportOptions, ExportResult, K8sObject } from './export.js';

/** One multi-document YAML stream, `---` between documents, as `kubectl apply -f -` reads it. */
export function toYamlStream(objects: K8sObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
