import { Problems, ValidationError, oneOf } from '../../core/validation';
import { planRetire } from '../old-path';
import { Session, liveServicesOf, planTarget } from '../session';
import { runAndReport } from './output';

/** What retire was told. */
export interface RetireOptions {
  readonly only?: readonly string[];
  readonly allowOutsideCallers: boolean;
}

/**
 * `retire`: detaches the old path the topology records (a Cloud Map registry, an internal target
 * group) from each service that it and all its callers have left. Everything is checked first;
 * one refusal refuses the whole run (exit 2, nothing changed): `--only` picks the services that
 * are ready. Nothing is deleted: the Cloud Map services, target groups, load balancers and
 * records stay for their owner (the IaC that made them) to delete.
 */
export async function retire(session: Session, options: RetireOptions): Promise<number> {
  const { io, target, topology } = session;
  const problems = new Problems();
  for (const name of options.only ?? [])
    problems.check(
      topology.services.some((s) => s.name === name),
      `--only: '${name}' is not a service of the topology; allowed: ${oneOf(topology.services.map((s) => s.name))}`
    );
  problems.throwIfAny();
  const namespace = target.namespace;
  if (namespace.id === undefined)
    throw new ValidationError([`namespace ${namespace.name} does not exist: nothing was migrated`]);
  const live = await liveServicesOf(session);
  const { updates, refusals } = planRetire({
    topology,
    target: planTarget(session),
    namespace,
    live,
    overrides: session.overrides,
    allowOutsideCallers: options.allowOutsideCallers,
    only: options.only,
  });
  if (refusals.length > 0) throw new ValidationError(refusals);
  if (updates.length === 0) {
    io.stdout('nothing to retire\n');
    return 0;
  }
  return runAndReport(
    session,
    namespace,
    [{ updates, cycles: [] }],
    `old path detached from ${updates.map((u) => u.service.name).join(', ')}; nothing was deleted: the Cloud Map services and target groups are still there for their owner to delete`
  );
}
