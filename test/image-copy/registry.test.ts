import { Registry, RegistryError } from '../../lib/image-copy/registry';
import { Retrier, isTransientStatus, retryAfterMs } from '../../lib/image-copy/retry';
import { TestServer, startServer } from '../support/http-server';

/** The registry client's sign-in and retry rules, against a real HTTP server on 127.0.0.1. */
describe('an anonymous pull', () => {
  let server: TestServer;
  const paths: string[] = [];

  beforeAll(async () => {
    server = await startServer((req, res) => {
      paths.push(req.url!);
      if (req.url!.startsWith('/token')) {
        // A realm that would hand out a token to whoever asked: the client must not ask.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"token":"t"}');
        return;
      }
      res.writeHead(401, { 'www-authenticate': `Basic realm="${server.url}/token"` });
      res.end();
    });
  });
  afterAll(() => server.close());

  test('fails clearly when the registry asks for credentials (a Basic challenge), and asks no realm for a token', async () => {
    const registry = new Registry(server.url, { kind: 'anonymous' });
    await expect(registry.manifest('acme/app', '1')).rejects.toThrow(
      /^http:\/\/127\.0\.0\.1:\d+ asks for credentials \(Basic realm="http:\/\/127\.0\.0\.1:\d+\/token"\): only anonymous pulls are supported$/
    );
    expect(paths).toEqual(['/v2/acme/app/manifests/1']);
  });
});

describe('retries', () => {
  test.each([
    ['120', 120_000],
    ['0', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['Thu, 01 Jan 2026 00:00:00 GMT', 0],
  ])('Retry-After %j is %d ms from now', (header, ms) => {
    expect(retryAfterMs(header, Date.parse('2026-01-01T00:00:00Z'))).toBe(ms);
  });

  test.each([null, '', 'soon', '-5', '1.5'])('Retry-After %j is no wait asked for', (header) => {
    expect(retryAfterMs(header)).toBeUndefined();
  });

  test.each([
    [0, true],
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [501, false],
  ])('an answer %d (0: none) is worth another try: %s', (status, transient) => {
    expect(isTransientStatus(status)).toBe(transient);
  });

  test('an error one level gave up on is not tried again by the level around it', async () => {
    const retrier = new Retrier({
      attempts: 3,
      baseDelayMs: 1,
      maxDelayMs: 1,
      budgetMs: 1_000,
      deadlineMs: 5_000,
    });
    let inner = 0;
    let outer = 0;
    await expect(
      retrier.run('blob', async () => {
        outer += 1;
        return retrier.run('request', () => {
          inner += 1;
          return Promise.reject(new RegistryError('GET /v2/x: HTTP 503', 503));
        });
      })
    ).rejects.toThrow('GET /v2/x: HTTP 503 (gave up after 3 attempts)');
    expect({ inner, outer }).toEqual({ inner: 3, outer: 1 });
  });
});
