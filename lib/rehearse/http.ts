/** A request through the app's public entry that did not get the answer the rehearsal needs. */
export class AppApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppApiError';
  }
}

/** One request through the public entry: the body of a 2xx answer, else a AppApiError naming the request. */
export async function request(
  appUrl: string,
  method: string,
  path: string,
  timeoutMs: number,
  body?: string,
  contentType = 'application/json'
): Promise<string> {
  const url = new URL(path, appUrl);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      signal: AbortSignal.timeout(timeoutMs),
      ...(body !== undefined && { body, headers: { 'content-type': contentType } }),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new AppApiError(`${method} ${url.href} failed: ${cause ?? (err as Error).message}`);
  }
  const text = await response.text();
  if (!response.ok) throw new AppApiError(`${method} ${url.href} answered ${response.status}`);
  return text;
}
