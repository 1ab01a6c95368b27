import { pascalCase } from '../core/names';
import { Topology, systemName } from '../model/topology';

/**
 * `-c stage=NAME`: a complete, independent copy of the app beside the others in one account and
 * region. Every stack, and every name that must be unique per account and region (the cluster,
 * the log group, the Service Connect (HTTP) namespace, and what is derived from them: the
 * dashboard, the old path's load balancer, the image mirror's repositories), carries the stage.
 * The names the clients use (the Cloud Map DNS namespace and the private hosted zone, whose names
 * are the client aliases) stay the same in every copy, so the migration is the same everywhere:
 * Route 53 lets private hosted zones of the same name live in different VPCs. Without a stage
 * every name is what it has always been. No CDK imports: the CLIs use it too.
 */

/**
 * Lower-case letters, digits and hyphens, from a letter, at most 12: the stage ends up in ECR
 * repository names (lower case only) and in the old path's load balancer name
 * (`legacy-yelb-cluster-<stage>` within the 32 characters an ALB name may have).
 */
export const STAGE = /^[a-z](?:[a-z0-9-]{0,10}[a-z0-9])?$/;
export const STAGE_ALLOWED = '1-12 lower-case letters, digits or hyphens, starting with a letter';

/** The app's stacks: the network, the system (its services), and the optional in-VPC load test. */
export interface StackNames {
  readonly network: string;
  readonly system: string;
  readonly loadTest: string;
}

/**
 * The stack names of a topology, from its name (`yelb` → `YelbNetwork`, `Yelb`, `YelbLoadTest`),
 * with the stage if any (`Yelb-blue`).
 */
export function stackNames(topology: Pick<Topology, 'name' | 'clusterName'>, stage?: string): StackNames {
  const system = systemLabel(topology);
  const suffix = stage ? `-${stage}` : '';
  return {
    network: `${system}Network${suffix}`,
    system: `${system}${suffix}`,
    loadTest: `${system}LoadTest${suffix}`,
  };
}

/** The in-VPC load test's task definition family (without a stage): `yelb-loadtest`. */
export function loadTestFamily(topology: Pick<Topology, 'name' | 'clusterName'>): string {
  return `${systemName(topology)}-loadtest`;
}

/** How the stacks' descriptions and the resources' name the system: its title, else its name (`Yelb`). */
export function systemTitle(topology: Pick<Topology, 'name' | 'clusterName' | 'title'>): string {
  return topology.title ?? systemLabel(topology);
}

/** How descriptions of single resources name the system: `Yelb`. */
export function systemLabel(topology: Pick<Topology, 'name' | 'clusterName'>): string {
  return pascalCase(systemName(topology));
}

/** The topology's account-unique names for a stage; `explicit` names (from context) are kept as given. */
export function stagedTopology<T extends Topology>(
  base: T,
  stage: string | undefined,
  explicit: { clusterName?: string; logGroupName?: string } = {}
): T {
  if (!stage) return { ...base, ...explicit };
  return {
    ...base,
    clusterName: explicit.clusterName ?? `${base.clusterName}-${stage}`,
    ...(base.logGroupName !== undefined || explicit.logGroupName !== undefined
      ? { logGroupName: explicit.logGroupName ?? `${base.logGroupName}-${stage}` }
      : {}),
    serviceConnectNamespace: `${stage}.${base.serviceConnectNamespace}`,
  };
}

/**
 * A task definition family of a stage: `yelb-ui-blue`, or the plain name without a stage. Families
 * are per account and region, so two stages with one family would share a revision history (and
 * a `describe-task-definition yelb-ui` that answers for whichever deployed last).
 */
export function stagedFamily(family: string, stage: string | undefined): string {
  return stage ? `${family}-${stage}` : family;
}
