import { DataCheck as DataCheckSpec, Topology } from '../model/topology';
import { request } from './http';
import { addVotes, castVotes, readVotes, spreadVotes } from './yelb-api';

/**
 * A rehearsal's check that no data is lost while it migrates, as the topology describes it
 * (`publicEntry.dataCheck`): Yelb's votes, or a write and a read of the file's own. Written once
 * after the first deploy; read before and after every step, where it must read back exactly
 * what was expected. Each kind says, in {@link DATA_CHECK_KINDS}, how the run, the gate and the
 * report speak of it: nothing else in the rehearsal tests for a kind by name.
 */

/** What a read found, as the report records it: votes per restaurant, or what a read path returned. */
export type DataState = Record<string, number | string>;

/** A kind of check as report.json names it: one of the topology's, or none. */
export type DataCheckName = DataCheckSpec['kind'] | 'none';

/** One kind of data check, ready to run against the app's URL. */
export interface DataCheck {
  readonly kind: DataCheckSpec['kind'];
  /** What it writes and reads, for people and the dry run. */
  readonly description: string;
  /** Writes; returns what was written and what every later read must return. */
  write(appUrl: string, timeoutMs: number): Promise<{ written: DataState; expected: DataState }>;
  read(appUrl: string, timeoutMs: number): Promise<DataState>;
}

/** What the rehearse command line gives a check. */
export interface DataCheckOptions {
  /** Yelb's: the votes to cast (`--votes`). */
  readonly votes: number;
  /** The run's own value, for `{token}` in an HTTP check's write and read. */
  readonly token: string;
}

/** How the run, the gate and the report speak of a kind of check (report.md is made from report.json alone). */
export interface DataCheckWords {
  /** What its reads are called: `votes changed`, `the data were not read after the step`. */
  readonly noun: string;
  /** The gate's promise: `no vote lost`; for none, that there is no check. */
  readonly gate: string;
  /** report.md's table of the reads: its title, its key column, and the column of what was written, if shown. */
  readonly table: { readonly title: string; readonly key: string; readonly written?: string };
  /** The options of `npm run rehearse` that only this kind reads. */
  readonly options: readonly string[];
}

/** A kind the topology can name: its words, and how to make it from the topology's description. */
interface DataCheckMaker<K extends DataCheckSpec['kind']> extends DataCheckWords {
  readonly create: (spec: Extract<DataCheckSpec, { kind: K }>, options: DataCheckOptions) => DataCheck;
}

/** Every kind of data check, and none. */
export const DATA_CHECK_KINDS: { readonly [K in DataCheckSpec['kind']]: DataCheckMaker<K> } & {
  readonly none: DataCheckWords;
} = {
  yelbVotes: {
    noun: 'votes',
    gate: 'no vote lost',
    table: { title: 'Votes', key: 'restaurant', written: 'cast' },
    options: ['--votes'],
    create: (_spec, options) => yelbVotes(options.votes),
  },
  http: {
    noun: 'data',
    gate: 'no data lost',
    table: { title: 'Data', key: 'read' },
    options: [],
    create: (spec, options) => httpWriteRead(spec, options.token),
  },
  none: {
    noun: 'data',
    gate: 'no data check: the topology describes none',
    table: { title: 'Data', key: 'read' },
    options: [],
  },
};

/** The names report.json knows, for its schema. */
export const DATA_CHECK_NAMES = Object.keys(DATA_CHECK_KINDS) as [DataCheckName, ...DataCheckName[]];

/** How the rehearsal speaks of a kind of check. */
export function dataCheckWords(name: DataCheckName): DataCheckWords {
  return DATA_CHECK_KINDS[name];
}

/** The keys whose values differ, as `ihop 9 (expected 10)`; empty when `actual` is `expected`. */
export function dataDiffers(actual: DataState, expected: DataState): string[] {
  return Object.keys(expected)
    .filter((key) => actual[key] !== expected[key])
    .map((key) => `${key} ${show(actual[key])} (expected ${show(expected[key])})`);
}

/**
 * The topology's data check, or undefined when its public entry describes none. `votes` is what
 * Yelb's check casts; `token` makes an HTTP check's write this run's own (`{token}` in its path,
 * body and expected text), so that a value left by an earlier run cannot pass for it.
 */
export function dataCheckOf(topology: Topology, options: DataCheckOptions): DataCheck | undefined {
  const spec = topology.services.find((s) => s.publicEntry)?.publicEntry?.dataCheck;
  if (!spec) return undefined;
  // Each maker takes its own kind's description: TypeScript cannot relate the two through a union.
  const create = DATA_CHECK_KINDS[spec.kind].create as (s: DataCheckSpec, o: DataCheckOptions) => DataCheck;
  return create(spec, options);
}

function yelbVotes(total: number): DataCheck {
  const cast = spreadVotes(total);
  return {
    kind: 'yelbVotes',
    description: `Yelb's votes: ${total} cast through /api/<restaurant>, every count read back from /api/getvotes`,
    async write(url, timeoutMs) {
      const before = await readVotes(url, timeoutMs);
      await castVotes(url, cast, timeoutMs);
      return { written: cast, expected: addVotes(before, cast) };
    },
    read: (url, timeoutMs) => readVotes(url, timeoutMs),
  };
}

function httpWriteRead(spec: Extract<DataCheckSpec, { kind: 'http' }>, token: string): DataCheck {
  const fill = (text: string) => text.split('{token}').join(token);
  const write = {
    ...spec.write,
    path: fill(spec.write.path),
    body: spec.write.body && fill(spec.write.body),
  };
  const readPath = fill(spec.read.path);
  const expect = fill(spec.read.expect);
  const found = `contains ${JSON.stringify(expect)}`;
  return {
    kind: 'http',
    description: `${write.method} ${write.path}${write.body !== undefined ? ` with ${JSON.stringify(write.body)}` : ''}, then GET ${readPath} must contain ${JSON.stringify(expect)}`,
    async write(url, timeoutMs) {
      await request(url, write.method, write.path, timeoutMs, write.body, spec.write.contentType);
      return {
        written: { [`${write.method} ${write.path}`]: write.body ?? '' },
        expected: { [readPath]: found },
      };
    },
    async read(url, timeoutMs) {
      const body = await request(url, 'GET', readPath, timeoutMs);
      return {
        [readPath]: body.includes(expect)
          ? found
          : `does not contain ${JSON.stringify(expect)}: ${body.slice(0, 120)}`,
      };
    },
  };
}

function show(value: number | string | undefined): string {
  return value === undefined ? 'nothing' : String(value);
}
