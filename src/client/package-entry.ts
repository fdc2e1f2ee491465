// The public surface of @ring/client (packages/client): the typed client and the helpers a CI script
// needs. The CLI uses the very same modules.
export * from './index.js';
export { applyManifest, outcomeLine, type ApplyIo, type ApplyManifestOptions, type ApplyResult, type ApplyTarget, type DeploymentOutcome,
  type ManifestParts, type ConfigDef } from './apply-manifest.js';
export { waitForRollout, exitCodeOf, type RolloutProgress, type RolloutResult, type WaitOptions } from './wait.js';
export { verdictOf, type Verdict, type WaitFor } from './rollout-verdict.js';
export { watchDeployments, type DeploymentStreamEvent, type WatchOptions } from './watch.js';
