/**
 * A registry answered an error (`status` 429 is Docker Hub's pull limit), or did not answer
 * (`status` 0: the connection failed or was reset).
 */
export class RegistryError extends Error {
  constructor(
    message: string,
    public readonly status: number,
    /** How long the registry asked to wait before trying again (`Retry-After`). */
    public readonly retryAfterMs?: number
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
