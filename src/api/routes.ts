// Joins the handler modules with the generated route table. `satisfies Handlers` makes tsc fail on an
// operation without a handler, and on a handler for an operation the spec does not declare.
import type { Handlers } from './context.js';
import { getHealth, getOpenApiSpec, getNode } from './node.js';
import { login, logout } from './sessions.js';
import { listUsers, getCurrentUser, createUser, updateUser, deleteUser } from './users.js';
import { listNamespaces, getNamespace, createNamespace, deleteNamespace } from './namespaces.js';
import { listDeployments, getDeployment, createDeployment, deleteDeployment, listDeploymentEvents,
  listDeploymentHealthChecks } from './deployments.js';
import { getDeploymentLogs } from './deployment-logs.js';
import { getDeploymentMetrics } from './deployment-metrics.js';

export const handlers = {
  getHealth, getOpenApiSpec, getNode,
  login, logout,
  listUsers, getCurrentUser, createUser, updateUser, deleteUser,
  listNamespaces, getNamespace, createNamespace, deleteNamespace,
  listDeployments, getDeployment, createDeployment, deleteDeployment, listDeploymentEvents, listDeploymentHealthChecks,
  getDeploymentLogs, getDeploymentMetrics,
} satisfies Handlers;
