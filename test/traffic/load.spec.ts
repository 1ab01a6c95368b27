import { LoadReport, RequestResult, runLoad } from '../../lib/traffic/load';
import { errorRate, errorRateVerdict } from '../../lib/traffic/report';
import { TestServer, closedPortUrl, ok, startServer } from '../support/http-server';

// Against real HTTP servers on 127.0.0.1, no mocks of HTTP.
let server: TestServer | undefined;
afterEach(() => server?.close());

const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);

/** Every request is in exactly one bucket, and the timeline adds up to the totals. */
function expectExact(report: LoadReport) {
  expect(sum(report.statusCodes) + sum(report.errors)).toBe(report.requests);
  expect(report.timeline.reduce((n, s) => n + s.requests, 0)).toBe(report.requests);
  const non2xx = Object.entries(report.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .reduce((n, [, c]) => n + c, 0);
  expect(report.timeline.reduce((n, s) => n + s.non2xx, 0)).toBe(non2xx);
  expect(report.timeline.reduce((n, s) => n + s.errors, 0)).toBe(sum(report.errors));
}

const base = { connections: 10, requests: 500, timeoutMs: 2000 };

describe('runLoad', () => {
  test('-n sends exactly n requests, and counts each one', async () => {
    server = await startServer(ok);
    const report = await runLoad({ ...base, url: `${server.url}/api/getvotes` });
    expect(server.received()).toBe(500);
    expect(report.requests).toBe(500);
    expect(report.statusCodes).toEqual({ 200: 500 });
    expect(sum(report.errors)).toBe(0);
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(report.latencyMs.max).toBeGreaterThanOrEqual(report.latencyMs.p99);
    expectExact(report);
  });

  test('counts the 500s of a server that fails a known fraction of requests', async () => {
    server = await startServer((_req, res, n) => {
      res.writeHead(n % 4 === 0 ? 500 : 200);
      res.end();
    });
    const report = await runLoad({ ...base, url: server.url, requests: 400 });
    expect(report.statusCodes).toEqual({ 200: 300, 500: 100 });
    expectExact(report);
  });

  test('counts connections closed without a response as resets', async () => {
    server = await startServer((req, res, n) => {
      if (n % 5 === 0) req.socket.destroy();
      else ok(req, res);
    });
    const report = await runLoad({ ...base, url: server.url, requests: 500 });
    expect(report.errors.reset).toBe(server.received() / 5);
    expect(report.statusCodes['200']).toBe(server.received() - report.errors.reset);
    expect(report.requests).toBe(500);
    expectExact(report);
  });

  test('counts a server that answers too slowly as timeouts, and measures a slow one', async () => {
    server = await startServer((req, res) => setTimeout(() => ok(req, res), 300));
    const slow = await runLoad({ ...base, url: server.url, requests: 20, connections: 5, timeoutMs: 100 });
    expect(slow.errors.timeout).toBe(20);
    expectExact(slow);
    const measured = await runLoad({
      ...base,
      url: server.url,
      requests: 10,
      connections: 5,
      timeoutMs: 2000,
    });
    expect(measured.statusCodes).toEqual({ 200: 10 });
    expect(measured.latencyMs.p50).toBeGreaterThanOrEqual(299);
  });

  test.each([
    [302, 'a redirect (not followed: the generator measures the one URL)'],
    [404, 'not found'],
  ])('counts %d (%s) as a failure, not a success', async (status) => {
    server = await startServer((_req, res, n) => {
      res.writeHead(n % 2 === 0 ? status : 200, status === 302 ? { location: '/elsewhere' } : {});
      res.end();
    });
    const report = await runLoad({ ...base, url: server.url, requests: 40 });
    expect(report.statusCodes).toEqual({ 200: 20, [status]: 20 });
    expect(report.timeline.reduce((n, s) => n + s.non2xx, 0)).toBe(20);
    expect(errorRate(report)).toBe(0.5);
    expectExact(report);
  });

  test('counts refused connections', async () => {
    const report = await runLoad({ ...base, url: await closedPortUrl(), requests: 50 });
    expect(report.errors.refused).toBe(50);
    expectExact(report);
  });

  test('-z stops on time and counts the requests still in flight as aborted', async () => {
    // Answers that take 300 ms: at the deadline every connection has a request in flight, even
    // when a busy machine runs the deadline's timer late (a 50 ms answer was flaky in CI).
    server = await startServer((req, res) => setTimeout(() => ok(req, res), 300));
    const started = Date.now();
    const report = await runLoad({ ...base, url: server.url, durationSeconds: 1, requests: 5 });
    const elapsed = (Date.now() - started) / 1000;
    expect(elapsed).toBeGreaterThanOrEqual(1);
    expect(elapsed).toBeLessThan(1.5);
    // -n is ignored with -z: far more than 5 requests (10 connections, about 3 answers each).
    expect(report.requests).toBeGreaterThan(20);
    expect(report.errors.aborted).toBeGreaterThan(0);
    expect(report.errors.aborted).toBeLessThanOrEqual(base.connections);
    expectExact(report);
    // Every request counted was sent: the server saw them (a few aborted ones may not have arrived).
    expect(server.received()).toBeLessThanOrEqual(report.requests);
    expect(server.received()).toBeGreaterThanOrEqual(report.requests - base.connections);
  });

  test('a signal ends an open-ended run: requests in flight complete and count, none is aborted', async () => {
    // Answers take 300 ms and the signal comes at 100 ms: the first requests are in flight then.
    server = await startServer((_req, res) => setTimeout(() => ok(_req, res), 300));
    const stop = new AbortController();
    const results: RequestResult[] = [];
    setTimeout(() => stop.abort(), 100);
    const started = performance.now();
    const report = await runLoad({
      url: `${server.url}/api/getvotes`,
      connections: 8,
      requests: Infinity,
      rate: 2, // send slots 500 ms apart: seven connections wait for theirs, the last 3.5 s away
      timeoutMs: 5000,
      signal: stop.signal,
      onResult: (r) => results.push(r),
    });
    // The waits for send slots end with the signal: about 0.3 s, where they would take 3.5 s.
    expect(performance.now() - started).toBeLessThan(2500);
    expectExact(report);
    expect(report.errors.aborted).toBe(0);
    expect(report.requests).toBeGreaterThan(0);
    expect(report.statusCodes).toEqual({ 200: server.received() });
    // onResult saw every request once, in the order they completed, with its latency and when it was sent.
    expect(results).toHaveLength(report.requests);
    expect(results.every((r) => r.statusCode === 200 && r.latencyMs! >= 290 && r.atMs >= r.latencyMs!)).toBe(
      true
    );
    expect(results.every((r) => Math.abs(r.atMs - r.sentAtMs - r.latencyMs!) < 0.001)).toBe(true);
    expect(results.map((r) => r.atMs)).toEqual([...results.map((r) => r.atMs)].sort((a, b) => a - b));
  });

  test('onResult reports failures by kind', async () => {
    const url = await closedPortUrl();
    const results: RequestResult[] = [];
    await runLoad({ url, connections: 1, requests: 3, timeoutMs: 1000, onResult: (r) => results.push(r) });
    expect(results.map((r) => [r.error, r.statusCode, r.latencyMs])).toEqual(
      Array(3).fill(['refused', undefined, undefined])
    );
    // A failure too says when it was sent: before it failed, after the previous one.
    expect(results.every((r, i) => r.sentAtMs <= r.atMs && r.sentAtMs >= (results[i - 1]?.atMs ?? 0))).toBe(
      true
    );
  });

  test('--rate caps the requests per second across all connections', async () => {
    server = await startServer(ok);
    const started = Date.now();
    const report = await runLoad({ ...base, url: server.url, requests: 50, rate: 100 });
    expect(report.requests).toBe(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(480);
    expectExact(report);
  });

  test('reports progress about once a second', async () => {
    server = await startServer((req, res) => setTimeout(() => ok(req, res), 20));
    const progress: number[] = [];
    await runLoad({
      ...base,
      url: server.url,
      durationSeconds: 2.2,
      onProgress: (p) => progress.push(p.requests),
    });
    expect(progress.length).toBe(2);
    expect(progress[1]).toBeGreaterThan(progress[0]);
  });
});

describe('--max-error-rate', () => {
  const report = (statusCodes: Record<string, number>, errors = 0): LoadReport => ({
    url: 'http://x/',
    requests: Object.values(statusCodes).reduce((n, c) => n + c, 0) + errors,
    durationSeconds: 1,
    rps: 1,
    statusCodes,
    errors: { timeout: errors, refused: 0, reset: 0, aborted: 0, dns: 0, other: 0 },
    latencyMs: { p50: 1, p90: 1, p99: 1, max: 1 },
    timeline: [],
  });

  test('a run in which no request completed does not pass: its error rate is unknown, not zero', () => {
    expect(errorRateVerdict(report({}), 0.5)).toBe('no request completed, so the error rate is unknown');
  });

  test.each([
    [{ 200: 99, 204: 1 }, 0, undefined],
    [{ 200: 98, 301: 1, 404: 1 }, 0, 'error rate 0.0200 is above --max-error-rate 0.01'],
    [{ 200: 99 }, 1, undefined],
    [{ 200: 98 }, 2, 'error rate 0.0200 is above --max-error-rate 0.01'],
  ])('%j with %d errors against 0.01: %s', (codes, errors, verdict) => {
    expect(errorRateVerdict(report(codes, errors), 0.01)).toBe(verdict);
  });
});
