/**
 * Bad input, found before anything is built or sent. Carries every problem found, so that a
 * user fixes them all in one round; the message has one line per problem.
 */
export class ValidationError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ValidationError';
  }
}

/** Collects problems while validating; {@link throwIfAny} throws them together. */
export class Problems {
  private readonly found: string[] = [];

  /** Records a problem. */
  add(problem: string): void {
    this.found.push(problem);
  }

  /** Records `problem` unless `condition` holds. */
  check(condition: boolean, problem: string): void {
    if (!condition) this.add(problem);
  }

  /** The problems recorded so far. */
  get list(): readonly string[] {
    return this.found;
  }

  /** Throws a {@link ValidationError} with every recorded problem, if there is any. */
  throwIfAny(): void {
    if (this.found.length > 0) throw new ValidationError(this.found);
  }
}

/** Formats a list of allowed values for an error message: `a, b or c`. */
export function oneOf(values: readonly (string | number)[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length <= 1
    ? quoted.join('')
    : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}
