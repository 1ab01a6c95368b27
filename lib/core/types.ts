/**
 * `T` with every property and element readonly, all the way down: the model's types, derived from
 * its zod schemas, are read, never changed.
 */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
