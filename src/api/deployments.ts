// Deployments: desired state in, observed state out. Handlers write rows and wake the reconciler;
// every lifecycle decision is the reconciler's.
import type { Deployment, DeploymentSpec } from '../domain/deployment.js';
import { applyDeploymentDefaults, validateDeployment, type DeploymentInput } from '../domain/validate-deployment.js';
import { admitRuntime } from '../domain/runtime-admission.js';
import { hostCapacityViolations } from '../domain/host-capacity.js';
import { callerOf, json, noContent, type Ctx, type Handler } from './context.js';
import { Problem, conflict, forbidden, notFound, onConflict } from './problem.js';
import { assertNamespace, namespaceVisible } from './authenticate.js';
import { deployNamespaceDecision } from './namespace-grant.js';
import { assertHostAccess } from './host-access.js';
import { deploymentView, matchesLabels } from './deployment-view.js';
import { listDeploymentsBody } from './deployment-list.js';
import { registerMountedVolumes } from './volumes.js';
import { COMPONENT, EVENT_REASON, noted, type DeploymentChange } from '../domain/changes.js';
import { rolloutEndedBy } from '../reconciler/rollout.js';
import { outcomeOf, planApply, specChanges, specOf, type ApplyOptions, type ApplyPlan } from '../domain/apply-plan.js';
import type { Store } from '../store/index.js';
import { swarmProblems } from '../swarm/spec.js';
import { audit } from './audit.js';
import type { NewEvent } from '../store/events.js';

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
    ...(services.instancesLookup ? { instancesLookup: services.instancesLookup } : {}),
    view: { rolloutDeadlineMs: services.config.rolloutDeadlineMs },
  });
  return { status: 200, body, contentType: 'application/json; charset=utf-8' };
};

export const getDeployment: Handler<'getDeployment'> = async (ctx) => {
  const d = loadDeployment(ctx);
  return json(200, deploymentView(d, await ctx.services.instancesOf(d.id), { rolloutDeadlineMs: ctx.services.config.rolloutDeadlineMs }));
};

/** Marks a deployment deleted with its change; a rolling child that goes says its rollout ended. */
function markDeleted(store: Store, d: Deployment, note: string): void {
  store.deployments.setStatus(d.id, 'deleted');
  const changes: DeploymentChange[] = [{ kind: 'status_changed', from: d.status, to: 'deleted', restartCount: d.restart_count, component: COMPONENT.api, note }];
  const ended = rolloutEndedBy(d, 'deleted', changes);
  if (ended) changes.push(ended);
  store.changes.record(d, changes);
}

/** The answer of an apply: the deployment plus what the apply did (AppliedDeployment). */
function applied(view: ReturnType<typeof deploymentView>, plan: ApplyPlan, changes: ReturnType<typeof specChanges>, dryRun: boolean) {
  const replacedIds = plan.kind === 'rolling' ? plan.superseded.map((d) => d.id) : plan.kind === 'replace' ? plan.replaced.map((d) => d.id) : [];
  return { ...view, outcome: outcomeOf(plan), changes, ...(replacedIds.length ? { replaced_ids: replacedIds } : {}), ...(dryRun ? { dry_run: true } : {}) };
}

/** A spec not yet stored, shown as a deployment (dry run of a create). */
function previewOf(spec: DeploymentSpec, parentId: string | null): Deployment {
  return { ...spec, id: '', created_at: '', updated_at: '', status: 'pending', restart_count: 0, parent_id: parentId, image_digest: null };
}

/**
 * Applies one spec (defaults applied, validated, authorised): decides with planApply and executes the
 * decision in one transaction. Shared by POST /deployments and POST /deployments/{id}/restart.
 */
async function applySpec(
  ctx: Ctx<'createDeployment'> | Ctx<'restartDeployment'>, spec: DeploymentSpec, runtimeEvents: readonly NewEvent[],
  opts: ApplyOptions & { dryRun?: boolean },
) {
  const { store } = ctx.services;
  const caller = callerOf(ctx);
  const nsExists = !!store.namespaces.byName(spec.namespace);
  const grant = deployNamespaceDecision(caller, spec.namespace, nsExists);
  if (!grant.allowed) throw forbidden(grant.message);
  if (opts.dryRun) {
    const active = store.deployments.active(spec.namespace, spec.name);
    const plan = planApply(active, spec, opts);
    const newest = active[active.length - 1];
    const changes = newest ? specChanges(specOf(newest), spec) : [];
    const shown = plan.kind === 'unchanged' || plan.kind === 'scale' ? plan.deployment
      : previewOf(spec, plan.kind === 'rolling' ? plan.parent.id : null);
    const instances = shown.id ? await ctx.services.instancesOf(shown.id) : [];
    return json(200, applied(deploymentView(shown, instances, { rolloutDeadlineMs: ctx.services.config.rolloutDeadlineMs }), plan, changes, true));
  }
  const toWake: string[] = [];
  const result = onConflict(() => store.tx((): { row: Deployment; plan: ApplyPlan; changes: ReturnType<typeof specChanges> } => {
      if (!nsExists) {
        store.namespaces.ensure(spec.namespace);
        audit(store, caller, 'create', 'namespace', spec.namespace, spec.namespace);
      }
      const active = store.deployments.active(spec.namespace, spec.name);
      const plan = planApply(active, spec, opts);
      const newest = active[active.length - 1];
      const changes = newest ? specChanges(specOf(newest), spec) : [];
      if (plan.kind === 'unchanged') return { row: plan.deployment, plan, changes };
      if (plan.kind === 'scale') {
        store.deployments.setReplicas(plan.deployment.id, plan.to);
        audit(store, caller, 'update', 'deployment', spec.name, spec.namespace);
        store.changes.record(plan.deployment, [noted('info', COMPONENT.api, EVENT_REASON.replicasChanged,
          `Replicas changed from ${plan.from} to ${plan.to} by an apply; running instances are kept`)]);
        toWake.push(plan.deployment.id);
        return { row: store.deployments.get(plan.deployment.id)!, plan, changes };
      }
      const gone = plan.kind === 'rolling' ? plan.superseded : plan.kind === 'replace' ? plan.replaced : [];
      for (const old of gone) {
        markDeleted(store, old, plan.kind === 'rolling'
          ? `superseded by a new apply of '${spec.name}'`
          : `replaced by a new apply of '${spec.name}'`);
        toWake.push(old.id);
      }
      const parentId = plan.kind === 'rolling' ? plan.parent.id : null;
      const row = store.deployments.insert(spec, { status: 'creating', parentId });
      registerMountedVolumes(store, spec);
      audit(store, caller, 'create', 'deployment', spec.name, spec.namespace);
      const recorded: DeploymentChange[] = [
        noted('info', COMPONENT.api, EVENT_REASON.deploymentCreated, `Deployment '${spec.name}' created successfully`),
        ...runtimeEvents.map((event): DeploymentChange => ({ kind: 'noted', event })),
      ];
      if (plan.kind === 'rolling') {
        recorded.push({ kind: 'rolling_update', phase: 'started', parentId: plan.parent.id,
          message: `Rolling update of deployment ${plan.parent.id}: its instances are drained one by one once this deployment is ready` });
        toWake.push(plan.parent.id);
      } else if (plan.kind === 'replace') {
        recorded.push(noted('warning', COMPONENT.api, EVENT_REASON.forceReplace,
          `Replaced deployment ${plan.replaced.map((a) => a.id).join(', ')} immediately because ${plan.reason} — expect a brief downtime`));
      }
      store.changes.record(row, recorded);
      toWake.push(row.id);
      return { row, plan, changes };
  }), () => conflict(`A deployment with name '${spec.name}' already exists in namespace '${spec.namespace}'`));
  for (const id of toWake) ctx.services.wake(id);
  const { row, plan, changes } = result;
  const kept = plan.kind === 'unchanged' || plan.kind === 'scale';
  const view = deploymentView(row, kept ? await ctx.services.instancesOf(row.id) : [], { rolloutDeadlineMs: ctx.services.config.rolloutDeadlineMs });
  return json(kept ? 200 : 201, applied(view, plan, changes, false));
}

/**
 * admitRuntime() with this server's runtimes, the Swarm backend among them when enabled, plus what
 * a Swarm deployment carries that Swarm cannot express (each field named), and replicas that could
 * never fit in the runtime host's memory together.
 */
function admitRuntimeHere(services: Ctx<'createDeployment'>['services'], spec: DeploymentSpec) {
  const enabled = [...services.runtimes.keys(), ...(services.swarm ? ['swarm'] : [])];
  const admission = admitRuntime(spec, enabled);
  if (spec.runtime === 'swarm' && services.swarm) admission.violations.push(...swarmProblems(spec).violations);
  admission.violations.push(...hostCapacityViolations(spec, services.runtimes.get(spec.runtime)?.hostCapacity?.() ?? null));
  return admission;
}

export const createDeployment: Handler<'createDeployment'> = (ctx) => {
  const caller = callerOf(ctx);
  const spec = applyDeploymentDefaults(ctx.body as DeploymentInput);
  const runtime = admitRuntimeHere(ctx.services, spec);
  const violations = [...validateDeployment(spec), ...runtime.violations];
  if (violations.length) throw Problem.validation(violations);
  assertNamespace(caller, spec.namespace);
  assertHostAccess(caller, spec, ctx.services.config);
  return applySpec(ctx, spec, runtime.events, { force: ctx.query.force === true, dryRun: ctx.query.dry_run === true });
};

/** `ring deployment restart`: the same spec again, rolled (or replaced) like an apply that changed it. */
export const restartDeployment: Handler<'restartDeployment'> = (ctx) => {
  const d = loadDeployment(ctx);
  if (d.status === 'deleted') throw conflict(`deployment '${d.id}' is deleted; apply its manifest to run it again`);
  const spec = applyDeploymentDefaults(specOf(d) as unknown as DeploymentInput);
  assertHostAccess(callerOf(ctx), spec, ctx.services.config);
  const runtime = admitRuntimeHere(ctx.services, spec);
  if (runtime.violations.length) throw Problem.validation(runtime.violations);
  return applySpec(ctx, spec, runtime.events, { redeploy: true });
};

export const deleteDeployment: Handler<'deleteDeployment'> = (ctx) => {
  const d = loadDeployment(ctx);
  const { store } = ctx.services;
  if (d.status !== 'deleted') {
    store.tx(() => {
      markDeleted(store, d, 'delete requested');
      audit(store, ctx.caller, 'delete', 'deployment', d.name, d.namespace);
    });
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
