/** `appserver` → `Appserver`, `yelb-db` → `YelbDb`: construct IDs and context keys from model ids. */
export function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Name of the old path's internal load balancer, `legacy-<cluster>` within the 32 characters an
 * ALB name may have. Fixed, so that the dashboard finds its metrics by name in every phase.
 */
export function internalAlbName(clusterName: string): string {
  return `legacy-${clusterName.replace(/[^A-Za-z0-9-]/g, '-')}`.slice(0, 32).replace(/-+$/, '');
}

/**
 * Construct ID of the old discovery path in the Yelb stack: the logical IDs of its resources
 * start with it, which is how the plan tells the removals that retiring it means.
 */
export const LEGACY_CONSTRUCT_ID = 'Legacy';
