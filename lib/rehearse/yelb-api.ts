import { AppApiError, request } from './http';

/**
 * The part of Yelb's HTTP API that a rehearsal uses, through the public entry (yelb-ui's nginx
 * proxies `/api/` to yelb-appserver): a vote is `GET /api/<restaurant>` (yelb-appserver adds one
 * to the restaurant's row in Postgres and answers the new count), and `GET /api/getvotes`
 * answers every restaurant's count as `[{"name": "outback", "value": 3}, …]`.
 */

/** The restaurants Yelb has a vote endpoint for. */
export const RESTAURANTS = ['ihop', 'chipotle', 'outback', 'bucadibeppo'] as const;
/** One of {@link RESTAURANTS}. */
export type Restaurant = (typeof RESTAURANTS)[number];

/** Votes per restaurant. */
export type Votes = Record<Restaurant, number>;

/** The path that reads every count: what the traffic of a rehearsal requests too (ui → appserver → db). */
export const VOTES_PATH = '/api/getvotes';

/** The path of a vote for `restaurant`. */
export function votePath(restaurant: Restaurant): string {
  return `/api/${restaurant}`;
}

/** `total` votes spread over the restaurants in turn: 10 → ihop 3, chipotle 3, outback 2, bucadibeppo 2. */
export function spreadVotes(total: number): Votes {
  return Object.fromEntries(
    RESTAURANTS.map((r, i) => [
      r,
      Math.floor(total / RESTAURANTS.length) + (i < total % RESTAURANTS.length ? 1 : 0),
    ])
  ) as Votes;
}

/** `a + b` per restaurant. */
export function addVotes(a: Votes, b: Votes): Votes {
  return Object.fromEntries(RESTAURANTS.map((r) => [r, a[r] + b[r]])) as Votes;
}

/** `GET /api/getvotes`: the counts, every restaurant present (a missing one is an error, not 0). */
export async function readVotes(appUrl: string, timeoutMs = 10_000): Promise<Votes> {
  const body = await get(appUrl, VOTES_PATH, timeoutMs);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new AppApiError(`${VOTES_PATH} answered something that is not JSON: ${body.slice(0, 120)}`);
  }
  const rows = Array.isArray(parsed) ? (parsed as { name?: unknown; value?: unknown }[]) : [];
  const votes: Partial<Votes> = {};
  for (const row of rows) {
    const restaurant = RESTAURANTS.find((r) => r === row.name);
    const value = Number(row.value);
    if (restaurant && Number.isInteger(value) && value >= 0) votes[restaurant] = value;
  }
  const missing = RESTAURANTS.filter((r) => votes[r] === undefined);
  if (missing.length > 0) {
    throw new AppApiError(`${VOTES_PATH} has no count for ${missing.join(', ')}: ${body.slice(0, 200)}`);
  }
  return votes as Votes;
}

/**
 * Casts `votes`, one request at a time. A vote that fails may or may not have been counted, so
 * the first failure stops the casting: the caller reads the counts and knows where it stands.
 */
export async function castVotes(appUrl: string, votes: Votes, timeoutMs = 10_000): Promise<void> {
  for (const restaurant of RESTAURANTS) {
    for (let i = 0; i < votes[restaurant]; i++) await get(appUrl, votePath(restaurant), timeoutMs);
  }
}

function get(appUrl: string, path: string, timeoutMs: number): Promise<string> {
  return request(appUrl, 'GET', path, timeoutMs);
}
