// Deployments: desired state in, observed state out. Handlers write rows and wake the reconciler;
// every lifecycle decision is the reconciler's.
import type { Deployment, DeploymentSpec } from '../domain/deployment.js';
import { applyDeploymentDefaults, validateDeployment, type DeploymentInput } from '../domain/validate-deployment.js';
import { admitRuntime } from '../domain/runtime-admission.js';
import { callerOf, json, noContent, type Ctx, type Handler } from './context.js';
import { Problem, conflict, forbidden, notFound, onConflict } from './problem.js';
import { assertNamespace, namespaceVisible } from './authenticate.js';
import { hasScope } from './tokens.js';
import { assertHostAccess } from './host-access.js';
import { deploymentView, matchesLabels } from './deployment-view.js';
import { listDeploymentsBody } from './deployment-list.js';
import { registerMountedVolumes } from './volumes.js';
import { publishStatusChanged } from '../webhooks/publish.js';
import { planApply, rolloutEndedBy } from '../reconciler/rollout.js';
import type { Store } from '../store/index.js';

export function loadDeployment(ctx: Ctx<'getDeployment'> | { params: { id: string }; services: Ctx<'getDeployment'>['services']; caller: Ctx<'getDeployment'>['caller'] }): Deployment {
  const d = ctx.services.store.deployments.get(ctx.params.id);
  if (!d) throw notFound(`deployment '${ctx.params.id}' not found`);
  assertNamespace(ctx.caller, d.namespace);
  return d;
}

export const listDeployments: Handler<'listDeployments'> = async ({ query, services, caller }) => {
  const labels = query.label ?? [];
  const body = await listDeploymentsBody({
    store: services.store,
    filter: { namespace: query.namespace, status: query.status, kind: query.kind },
    keep: (d) => namespaceVisible(caller, d.namespace) && matchesLabels(d.labels, labels),
    keepKey: JSON.stringify([caller?.namespaces ?? [], labels]),
    instancesOf: services.instancesOf,
  });
  return { status: 200, body, contentType: 'application/json; charset=utf-8' };
};

export const getDeployment: Handler<'getDeployment'> = async (ctx) => {
  const d = loadDeployment(ctx);
  return json(200, deploymentView(d, await ctx.services.instancesOf(d.id)));
};

/** Marks a deployment deleted with its event; a rolling child that goes says its rollout ended. */
function markDeleted(store: Store, d: Deployment, message: string): void {
  store.deployments.setStatus(d.id, 'deleted');
  publishStatusChanged(store, d, { from: d.status, to: 'deleted', restartCount: d.restart_count });
  store.events.insert(d.id, { level: 'info', component: 'api', reason: 'state_transition', message });
  const ended = rolloutEndedBy(store, d, 'deleted', []);
  if (ended) store.events.insert(d.id, ended);
}

export const createDeployment: Handler<'createDeployment'> = (ctx) => {
  const { store } = ctx.services;
  const caller = callerOf(ctx);
  const spec = applyDeploymentDefaults(ctx.body as DeploymentInput);
  const runtime = admitRuntime(spec, [...ctx.services.runtimes.keys()]);
  const violations = [...validateDeployment(spec), ...runtime.violations];
  if (violations.length) throw Problem.validation(violations);
  assertNamespace(caller, spec.namespace);
  assertHostAccess(caller, spec, ctx.services.config);
  const nsExists = !!store.namespaces.byName(spec.namespace);
  if (!nsExists && !hasScope(caller.scopes, 'namespaces:write')) {
    throw forbidden(`namespace '${spec.namespace}' does not exist and the token lacks 'namespaces:write' to create it`);
  }
  const force = ctx.query.force === true;
  const toWake: string[] = [];
  const created = onConflict(() => store.tx(() => {
      if (!nsExists) store.namespaces.ensure(spec.namespace);
      const active = store.deployments.active(spec.namespace, spec.name);
      // Rolling update or immediate replacement, decided here once (RING §5.8).
      const decision = planApply(active, spec, force);
      const gone = decision.kind === 'rolling' ? decision.superseded : decision.kind === 'replace' ? decision.replaced : [];
      for (const old of gone) {
        markDeleted(store, old, decision.kind === 'rolling'
          ? `Status changed from ${old.status} to deleted (superseded by a new apply of '${spec.name}')`
          : `Status changed from ${old.status} to deleted (replaced by a new apply of '${spec.name}')`);
        toWake.push(old.id);
      }
      const parentId = decision.kind === 'rolling' ? decision.parent.id : null;
      const row = store.deployments.insert(spec, { status: 'creating', parentId });
      registerMountedVolumes(store, spec);
      store.events.insert(row.id, { level: 'info', component: 'api', reason: 'deployment_created',
        message: `Deployment '${spec.name}' created successfully` });
      for (const e of runtime.events) store.events.insert(row.id, e);
      if (decision.kind === 'rolling') {
        store.events.insert(row.id, { level: 'info', component: 'api', reason: 'rolling_update_started',
          message: `Rolling update of deployment ${decision.parent.id}: its instances are drained one by one once this deployment is ready` });
        toWake.push(decision.parent.id);
      } else if (decision.kind === 'replace') {
        store.events.insert(row.id, { level: 'warning', component: 'api', reason: 'force_replace',
          message: `Replaced deployment ${decision.replaced.map((a) => a.id).join(', ')} immediately because ${decision.reason} — expect a brief downtime` });
      }
      return row;
  }), () => conflict(`A deployment with name '${spec.name}' already exists in namespace '${spec.namespace}'`));
  for (const id of toWake) ctx.services.wake(id);
  ctx.services.wake(created.id);
  return json(201, deploymentView(created, []));
};

export const deleteDeployment: Handler<'deleteDeployment'> = (ctx) => {
  const d = loadDeployment(ctx);
  const { store } = ctx.services;
  if (d.status !== 'deleted') {
    store.tx(() => markDeleted(store, d, `Status changed from ${d.status} to deleted (delete requested)`));
  }
  ctx.services.wake(d.id);
  return noContent();
};

export const listDeploymentEvents: Handler<'listDeploymentEvents'> = (ctx) => {
  const d = loadDeployment(ctx);
  return json(200, ctx.services.store.events.list(d.id, { level: ctx.query.level, limit: ctx.query.limit ?? 50 }));
};

export const listDeploymentHealthChecks: Handler<'listDeploymentHealthChecks'> = (ctx) => {
  const d = loadDeployment(ctx);
  return json(200, ctx.services.store.healthChecks.list(d.id, { limit: ctx.query.limit ?? 100, latest: ctx.query.latest === true }));
};
