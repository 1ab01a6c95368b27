/**
 * One line for any error: its name (unless a plain `Error`), its message, and for an AWS SDK
 * error the attempts its retry strategy made, e.g. `ThrottlingException: Rate exceeded (after 3
 * attempts)`. Every CLI, report and handler of this project words errors with it.
 */
export function errorMessage(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { attempts?: number } } | undefined;
  const attempts = e?.$metadata?.attempts;
  const name = e?.name && e.name !== 'Error' ? `${e.name}: ` : '';
  return `${name}${e?.message ?? String(err)}${attempts && attempts > 1 ? ` (after ${attempts} attempts)` : ''}`;
}
