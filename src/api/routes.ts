// Joins the handler modules with the generated route table. `satisfies Handlers` makes tsc fail on an
// operation without a handler, and on a handler for an operation the spec does not declare.
import type { Handlers } from './context.js';
import { getHealth, getOpenApiSpec, getNode } from './node.js';
import { login, logout } from './sessions.js';
import { listUsers, getCurrentUser, createUser, updateUser, deleteUser } from './users.js';
import { listNamespaces, getNamespace, createNamespace, deleteNamespace } from './namespaces.js';
import { listDeployments, getDeployment, createDeployment, deleteDeployment, listDeploymentEvents,
  listDeploymentHealthChecks, restartDeployment } from './deployments.js';
import { watchDeployments } from './deployment-stream.js';
import { getDeploymentLogs } from './deployment-logs.js';
import { getDeploymentMetrics } from './deployment-metrics.js';
import { listSecrets, getSecret, createSecret, deleteSecret } from './secrets.js';
import { listConfigs, getConfig, createConfig, updateConfig, deleteConfig } from './configs.js';
import { listVolumes, getVolume, createVolume, deleteVolume } from './volumes.js';
import { listTokens, getToken, createToken, revokeToken, rotateToken } from './personal-tokens.js';
import { listWebhooks, getWebhook, createWebhook, deleteWebhook, listWebhookEvents } from './webhooks.js';
import { getMetrics } from './metrics.js';
import { listNamespaceAudit } from './audit.js';
import { createStreamTicket } from './stream-tickets.js';

export const handlers = {
  getHealth, getOpenApiSpec, getNode,
  login, logout, createStreamTicket,
  listUsers, getCurrentUser, createUser, updateUser, deleteUser,
  listNamespaces, getNamespace, createNamespace, deleteNamespace, listNamespaceAudit,
  listDeployments, getDeployment, createDeployment, deleteDeployment, listDeploymentEvents, listDeploymentHealthChecks,
  restartDeployment, watchDeployments,
  getDeploymentLogs, getDeploymentMetrics,
  listSecrets, getSecret, createSecret, deleteSecret,
  listConfigs, getConfig, createConfig, updateConfig, deleteConfig,
  listVolumes, getVolume, createVolume, deleteVolume,
  listTokens, getToken, createToken, revokeToken, rotateToken,
  listWebhooks, getWebhook, createWebhook, deleteWebhook, listWebhookEvents,
  getMetrics,
} satisfies Handlers;
