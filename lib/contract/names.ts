/** The internal load balancer's name is this and the cluster's. */
export const LEGACY_ALB_PREFIX = 'legacy-';

/**
 * Name of the old path's internal load balancer, `legacy-<cluster>` within the 32 characters an
 * ALB name may have. Fixed, so that the dashboard finds its metrics by name in every phase.
 */
export function internalAlbName(clusterName: string): string {
  return `${LEGACY_ALB_PREFIX}${clusterName.replace(/[^A-Za-z0-9-]/g, '-')}`.slice(0, 32).replace(/-+$/, '');
}

/**
 * Construct ID of the old discovery path in the Yelb stack: the logical IDs of its resources
 * start with it, which is how the plan tells the removals that retiring it means.
 */
export const LEGACY_CONSTRUCT_ID = 'Legacy';

/** The migration dashboard's name: `yelb-cluster-migration`. */
export function dashboardName(clusterName: string): string {
  return `${clusterName}-migration`;
}
