// The words and patterns of a deployment manifest: enumerations, name rules and the fields each
// section knows (anything else is refused as an unknown field).

export const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const NAMESPACE_MIN_LENGTH = 2;
export const NAMESPACE_MAX_LENGTH = 63;
export const DEPLOYMENT_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const DEPLOYMENT_NAME_MAX_LENGTH = 63;
export const IMAGE_PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export const DEFAULT_IMAGE_PULL_POLICY = 'Always';
export const ON_FAILURE_ACTIONS = ['restart', 'stop', 'alert'] as const;
export const HEALTH_CHECK_TYPES = ['tcp', 'http', 'command'] as const;
export const VOLUME_TYPES = ['bind', 'volume', 'config', 'secret'] as const;
export const VOLUME_DRIVERS = ['local', 'nfs'] as const;
export const VOLUME_PERMISSIONS = ['ro', 'rw'] as const;
export const PORT_PROTOCOLS = ['tcp', 'udp'] as const;
export const NETWORK_MODES = ['bridge', 'host'] as const;
/** Runtimes that can run a workload in the host network namespace. */
export const HOST_NETWORK_RUNTIMES = ['docker', 'podman'] as const;

/** The fields each object of a manifest may carry. */
export const FIELDS = {
  deployment: ['name', 'namespace', 'runtime', 'kind', 'image', 'replicas', 'command', 'environment', 'labels', 'ports',
    'volumes', 'config', 'health_checks', 'resources', 'network', 'autoscale'],
  port: ['published', 'target', 'host_ip', 'protocol'],
  volume: ['type', 'source', 'key', 'destination', 'driver', 'permission'],
  healthCheck: ['type', 'port', 'url', 'command', 'interval', 'timeout', 'threshold', 'on_failure', 'readiness',
    'min_healthy_time', 'start_period'],
  resources: ['limits', 'requests'],
  resourceBlock: ['cpu', 'memory'],
  config: ['image_pull_policy', 'server', 'username', 'password', 'use_host_auth', 'image_pull_secret', 'user'],
  user: ['id', 'group', 'privileged'],
  network: ['mode'],
  autoscale: ['min', 'max', 'target_cpu'],
} as const;
