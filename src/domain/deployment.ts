// The desired state of one deployment as the API accepts it and the store keeps it.
import type { Kind, RuntimeName, Status } from './status.js';

export type PortProtocol = 'tcp' | 'udp';
export interface PortSpec { published: number; target: number; host_ip?: string; protocol?: PortProtocol }

export type VolumeType = 'bind' | 'volume' | 'config' | 'secret';
export interface VolumeSpec {
  type: VolumeType;
  source?: string;
  key?: string;
  destination: string;
  driver: 'local' | 'nfs';
  permission: 'ro' | 'rw';
}

export type EnvValue = string | { secretRef: string };

export interface ResourceSpec {
  limits?: { cpu?: string; memory?: string };
  requests?: { cpu?: string; memory?: string };
}

export interface HealthCheckSpec {
  type: 'tcp' | 'http' | 'command';
  port?: number;
  url?: string;
  command?: string;
  interval: string;
  timeout: string;
  threshold?: number;
  on_failure?: 'restart' | 'stop' | 'alert';
  readiness?: boolean;
  min_healthy_time?: string;
  start_period?: string;
}

export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export interface DeploymentConfig {
  image_pull_policy?: ImagePullPolicy;
  server?: string;
  username?: string;
  password?: string;
  use_host_auth?: boolean;
  image_pull_secret?: string;
  user?: { id?: number | string; group?: number | string; privileged?: boolean };
}

export interface AutoscaleSpec { min: number; max: number; target_cpu: number }

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
