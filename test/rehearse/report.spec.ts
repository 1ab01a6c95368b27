import * as fs from 'fs';
import * as path from 'path';
import { FAILED_COLOUR, PLANNED_COLOUR, chartSvg } from '../../lib/rehearse/chart';
import { rehearsalSteps } from '../../lib/rehearse/plan';
import { renderMarkdown } from '../../lib/rehearse/render';
import { RehearsalReport, StepRecord, judge, rehearsalReportSchema } from '../../lib/rehearse/report';
import { readVotes, spreadVotes } from '../../lib/rehearse/yelb-api';
import { Counts } from '../../lib/rehearse/traffic';
import { DATA_CHECK_NAMES, dataCheckWords } from '../../lib/rehearse/data-check';
import { startServer } from '../support/http-server';

const EXAMPLE = path.join(__dirname, 'example');
const example: RehearsalReport = rehearsalReportSchema.parse(
  JSON.parse(fs.readFileSync(path.join(EXAMPLE, 'report.json'), 'utf8'))
);
const votes = { ihop: 5, chipotle: 5, outback: 5, bucadibeppo: 5 };
const step = (over: Partial<StepRecord> = {}): StepRecord => ({
  from: 'discovery',
  to: 'serviceConnect',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:05:00.000Z',
  startSecond: 0,
  endSecond: 300,
  requests: 6000,
  non2xx: 0,
  errors: 0,
  latencyMs: { p50: 10, p99: 40 },
  outcome: 'done',
  dataBefore: votes,
  dataAfter: votes,
  plannedOutages: [],
  ...over,
});
const GATE = { maxErrorRate: 0.001, maxPlannedOutageSeconds: 180 };
const run = (
  steps: StepRecord[],
  total = { requests: 6000, non2xx: 0, errors: 0, latencyMs: { p50: 1, p99: 2 } }
) => ({
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:05:00.000Z',
  context: {},
  traffic: { rate: 20 },
  data: { check: 'yelbVotes' as const, description: "Yelb's votes", written: votes, expected: votes },
  steps,
  timeline: [],
  total,
});

describe('the gate', () => {
  test('passes a clean step, and fails one just over the rate, naming it', () => {
    expect(judge(run([step()]), GATE)).toEqual({ ok: true, reasons: [] });
    // 7 of 6000 is 0.117 %: over 0.1 %; 6 of 6000 is exactly 0.1 %: not over.
    expect(judge(run([step({ non2xx: 6 })]), GATE).ok).toBe(true);
    expect(judge(run([step({ non2xx: 4, errors: 3 })]), GATE).reasons).toEqual([
      'discovery → serviceConnect: error rate 0.12 % (7 of 6,000 requests: 4 non-2xx, 3 errors), over the gate 0.10 %',
    ]);
  });

  test('fails a step without requests, without a vote count, or with a vote lost', () => {
    expect(judge(run([step({ requests: 0 })]), GATE).reasons).toEqual([
      'discovery → serviceConnect: no request completed during the step, so its error rate is unknown',
    ]);
    expect(judge(run([step({ dataAfter: undefined })]), GATE).reasons).toEqual([
      'discovery → serviceConnect: the votes were not read after the step',
    ]);
    expect(judge(run([step({ dataAfter: { ...votes, ihop: 6 } })]), GATE).reasons).toEqual([
      'discovery → serviceConnect: votes changed: ihop 6 (expected 5)',
    ]);
  });

  test('an HTTP data check is judged the same way, called data; without one, no read is needed', () => {
    const expected = { '/notes/r1': 'contains "r1"' };
    const http = { check: 'http' as const, description: 'PUT then GET', expected };
    const withHttp = (s: StepRecord) => ({ ...run([s]), data: http });
    expect(judge(withHttp(step({ dataAfter: expected })), GATE)).toEqual({ ok: true, reasons: [] });
    expect(
      judge(withHttp(step({ dataAfter: { '/notes/r1': 'does not contain "r1": {}' } })), GATE).reasons
    ).toEqual([
      'discovery → serviceConnect: data changed: /notes/r1 does not contain "r1": {} (expected contains "r1")',
    ]);
    expect(judge(withHttp(step({ dataAfter: undefined })), GATE).reasons).toEqual([
      'discovery → serviceConnect: the data were not read after the step',
    ]);
    const none = {
      ...run([step({ dataBefore: undefined, dataAfter: undefined })]),
      data: { check: 'none' as const, description: 'none' },
    };
    expect(judge(none, GATE)).toEqual({ ok: true, reasons: [] });
    expect(renderMarkdown({ ...none, gate: GATE, verdict: { ok: true, reasons: [] } })).toMatch(
      /- Data check: NONE\. The topology describes no dataCheck/
    );
  });

  test('holds the whole run (the moments between steps) to the same bound, and needs a step', () => {
    expect(
      judge(run([step()], { requests: 6000, non2xx: 0, errors: 9, latencyMs: { p50: 1, p99: 2 } }), GATE)
        .reasons
    ).toEqual([
      'whole run: error rate 0.15 % (9 of 6,000 requests: 0 non-2xx, 9 errors), over the gate 0.10 %',
    ]);
    expect(judge(run([]), GATE).reasons).toEqual(['no step ran']);
  });
});

describe('the gate, with a planned outage', () => {
  // yelb-db's restart: 101 s in which 1,800 of 2,020 requests failed, and 2 failures outside it.
  const outage = {
    service: 'yelb-db',
    reason: 'its data volume has one writer',
    startedAt: '2026-01-01T00:01:00.000Z',
    endedAt: '2026-01-01T00:02:41.000Z',
    startSecond: 60,
    endSecond: 161,
    requests: 2020,
    non2xx: 1800,
    errors: 0,
  };
  const withOutage = (over: Partial<typeof outage> = {}, failedOutside = 2) =>
    run([step({ non2xx: 1800 + failedOutside, plannedOutages: [{ ...outage, ...over }] })], {
      requests: 6000,
      non2xx: 1800 + failedOutside,
      errors: 0,
      latencyMs: { p50: 1, p99: 2 },
    });

  test('judges the requests in the window by its bound on time, and the rest by the error rate', () => {
    expect(judge(withOutage(), GATE)).toEqual({ ok: true, reasons: [] });
    // Without the window, the same step fails the error-rate gate.
    const unplanned = run([step({ non2xx: 1802 })], { ...withOutage().total });
    expect(judge(unplanned, GATE).ok).toBe(false);
  });

  test('fails a window longer than its bound, naming the service and the step', () => {
    expect(judge(withOutage(), { ...GATE, maxPlannedOutageSeconds: 100 }).reasons).toEqual([
      "discovery → serviceConnect: yelb-db's planned outage lasted 101 s (60 s–161 s of the run), over its bound of 100 s",
    ]);
  });

  test('failures outside the window count against the error-rate gate, of the step and of the whole run', () => {
    // 5 failures outside the window: 5 of 3,980 requests is 0.126 %.
    expect(judge(withOutage({}, 5), GATE).reasons).toEqual([
      'discovery → serviceConnect: error rate 0.13 % (5 of 3,980 requests outside planned outages: 5 non-2xx, 0 errors), over the gate 0.10 %',
      'whole run: error rate 0.13 % (5 of 3,980 requests outside planned outages: 5 non-2xx, 0 errors), over the gate 0.10 %',
    ]);
  });
});

describe('the data check kinds', () => {
  test('are asked, never named, outside their registry: each kind says how the run and the report speak of it', () => {
    const dir = path.join(__dirname, '..', '..', 'lib', 'rehearse');
    const naming = fs
      .readdirSync(dir)
      .filter(
        (f) => f !== 'data-check.ts' && fs.readFileSync(path.join(dir, f), 'utf8').includes('yelbVotes')
      );
    expect(naming).toEqual([]);
    expect(DATA_CHECK_NAMES).toEqual(['yelbVotes', 'http', 'none']);
    expect(DATA_CHECK_NAMES.map((n) => dataCheckWords(n).noun)).toEqual(['votes', 'data', 'data']);
    expect(dataCheckWords('yelbVotes')).toMatchObject({ options: ['--votes'], table: { written: 'cast' } });
  });
});

describe("the rehearsal's counts", () => {
  test('count only 2xx as a success: a redirect, a 404 and a 5xx are failures, like errors', () => {
    const counts = new Counts();
    for (const statusCode of [200, 204, 302, 404, 503])
      counts.add({ sentAt: 0, doneAt: 1, latencyMs: 1, statusCode });
    counts.add({ sentAt: 0, doneAt: 1, error: 'refused' });
    expect(counts.snapshot()).toMatchObject({ requests: 6, non2xx: 3, errors: 1 });
    expect(counts.failed).toBe(4);
  });
});

describe('the steps', () => {
  test('go forward from the start phase, and back to discovery with rollback', () => {
    expect(rehearsalSteps('discovery', false)).toEqual([
      ['discovery', 'serviceConnect'],
      ['serviceConnect', 'retired'],
    ]);
    expect(rehearsalSteps('serviceConnect', true)).toEqual([
      ['serviceConnect', 'retired'],
      ['retired', 'serviceConnect'],
      ['serviceConnect', 'discovery'],
    ]);
    expect(rehearsalSteps('retired', false)).toEqual([]);
  });
});

describe('the chart and report.md', () => {
  test('mark each step, each planned outage, and each second with failed requests, amber in a planned outage', () => {
    const svg = chartSvg(example);
    for (const s of example.steps) expect(svg).toContain(`${s.from} → ${s.to}</text>`);
    const outages = example.steps.flatMap((s) => s.plannedOutages);
    expect(outages.length).toBeGreaterThan(0);
    expect(svg.match(/yelb-db \(planned\)<\/text>/g)).toHaveLength(outages.length);
    const inOutage = (second: number) =>
      outages.some((o) => second + 1 > o.startSecond && second < o.endSecond);
    const failing = example.timeline.filter((s) => s.non2xx + s.errors > 0);
    const planned = failing.filter((s) => inOutage(s.second)).length;
    expect(planned).toBeGreaterThan(0);
    expect(failing.length - planned).toBeGreaterThan(0);
    expect(svg.match(new RegExp(`fill="${PLANNED_COLOUR}"/>`, 'g'))).toHaveLength(planned);
    expect(svg.match(new RegExp(`fill="${FAILED_COLOUR}"/>`, 'g'))).toHaveLength(failing.length - planned);
    // Two shaded spans (one per panel) and two dashed edges per step.
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2 * example.steps.length);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
  });

  test('the example in the README is what the renderer makes of its report.json', () => {
    expect(fs.readFileSync(path.join(EXAMPLE, 'chart.svg'), 'utf8')).toBe(chartSvg(example));
    expect(fs.readFileSync(path.join(EXAMPLE, 'report.md'), 'utf8')).toBe(renderMarkdown(example));
    expect(example.verdict).toEqual(judge(example, example.gate));
  });
});

describe("Yelb's API", () => {
  test('votes spread over the restaurants in turn', () => {
    expect(spreadVotes(10)).toEqual({ ihop: 3, chipotle: 3, outback: 2, bucadibeppo: 2 });
    expect(Object.values(spreadVotes(23)).reduce((a, b) => a + b)).toBe(23);
  });

  test('a count that is missing or not JSON is an error, not zero', async () => {
    const bodies = ['[{"name": "ihop", "value": 1}]', '<html>502</html>'];
    const server = await startServer((_req, res) => res.end(bodies.shift()));
    try {
      await expect(readVotes(server.url)).rejects.toThrow(/has no count for chipotle, outback, bucadibeppo/);
      await expect(readVotes(server.url)).rejects.toThrow(/answered something that is not JSON: <html>502/);
    } finally {
      await server.close();
    }
  });
});
