// The desired state of one deployment as the API accepts it and the store keeps it.
import type { Kind, RuntimeName, Status } from './status.js';
import type { components } from '../../generated/openapi.js';

// The parts of a deployment whose shape the API contract fixes exactly are its generated types
// (a type-only import: nothing of generated/ runs here), so the two cannot drift apart.
type Schemas = components['schemas'];

export type PortSpec = Schemas['Port'];
export type PortProtocol = NonNullable<PortSpec['protocol']>;

export type VolumeSpec = Schemas['Volume'];
export type VolumeType = VolumeSpec['type'];

export type EnvValue = Schemas['EnvValue'];
export type ResourceSpec = Schemas['Resources'];
export type HealthCheckSpec = Schemas['HealthCheck'];

export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';
/** Narrower than the wire's DeploymentConfig (any string): validation admits only the three policies. */
export interface DeploymentConfig {
  image_pull_policy?: ImagePullPolicy;
  server?: string;
  username?: string;
  password?: string;
  use_host_auth?: boolean;
  image_pull_secret?: string;
  user?: { id?: number | string; group?: number | string; privileged?: boolean };
}

export type AutoscaleSpec = Schemas['Autoscale'];

/** The body of POST /deployments once defaults are filled in. */
export interface DeploymentSpec {
  name: string;
  namespace: string;
  runtime: RuntimeName;
  kind: Kind;
  image: string;
  replicas: number;
  command: string[];
  environment: Record<string, EnvValue>;
  labels: Record<string, string>;
  ports: PortSpec[];
  volumes: VolumeSpec[];
  config: DeploymentConfig;
  health_checks: HealthCheckSpec[];
  resources?: ResourceSpec;
  network?: { mode: 'bridge' | 'host' };
  autoscale?: AutoscaleSpec;
}

/** A stored deployment row, decoded. */
export interface Deployment extends DeploymentSpec {
  id: string;
  status: Status;
  restart_count: number;
  created_at: string;
  updated_at: string;
  parent_id: string | null;
  image_digest: string | null;
  /** Set when the stored row could not be loaded: the spec is an inert stand-in and this says why (see stored-spec.ts). */
  unloadable?: string;
  /** The autoscaler's target (only with autoscale, once it decided): the reconciler's target instead of replicas. */
  desired_replicas?: number;
}

export interface Violation { property_path: string; message: string; code: string }
