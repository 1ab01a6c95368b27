import * as http from 'http';
import { AddressInfo } from 'net';

/** A real HTTP server on 127.0.0.1 that counts the requests it received. */
export interface TestServer {
  readonly url: string;
  /** Requests that reached the handler. */
  readonly received: () => number;
  readonly close: () => Promise<void>;
}

/**
 * Starts a server whose handler gets each request with its 1-based number. Keep-alive
 * connections are closed on `close()`.
 */
export async function startServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void
): Promise<TestServer> {
  let count = 0;
  const server = http.createServer((req, res) => {
    count += 1;
    handler(req, res, count);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers 200 with a small JSON body. */
export const ok = (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"votes":[]}');
};

/** A URL on 127.0.0.1 where nothing listens. */
export async function closedPortUrl(): Promise<string> {
  const probe = await startServer(ok);
  await probe.close();
  return probe.url;
}
