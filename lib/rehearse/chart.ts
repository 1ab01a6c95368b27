import * as path from 'path';
import { PlannedOutageRecord, RehearsalReport, percent, stepName } from './report';

/** The colours of failed requests: outside every planned outage (the error-rate gate's), and inside one. */
export const FAILED_COLOUR = '#d1242f';
export const PLANNED_COLOUR = '#d98a00';

/**
 * The rehearsal's chart: requests per second (top) and failed requests per second (bottom, its
 * own scale, so that one failure shows), second by second over the whole run, with each step's
 * span shaded and named, and each planned outage's window hatched in amber and named, its
 * failures amber rather than red. Plain SVG, no script or external reference; {@link chartPng}
 * renders the same picture to PNG.
 */
export function chartSvg(report: RehearsalReport): string {
  const width = 960;
  const left = 72;
  const right = 24;
  const plotWidth = width - left - right;
  const top = { y: 88, height: 210 };
  const bottom = { y: top.y + top.height + 44, height: 110 };
  const height = bottom.y + bottom.height + 56;

  const seconds = Math.max(1, report.timeline.length, ...report.steps.map((s) => Math.ceil(s.endSecond)));
  const x = (second: number) => left + (second / seconds) * plotWidth;
  const requests = report.timeline.map((s) => s.requests);
  const failures = report.timeline.map((s) => s.non2xx + s.errors);
  const requestMax = niceMax(Math.max(1, ...requests));
  const failureMax = niceMax(Math.max(1, ...failures));
  const y = (panel: { y: number; height: number }, max: number) => (v: number) =>
    panel.y + panel.height - (v / max) * panel.height;
  const yTop = y(top, requestMax);
  const yBottom = y(bottom, failureMax);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(left, 24, 'Rehearsal: requests and failed requests per second', { size: 16, weight: 'bold' }),
    text(
      left,
      44,
      `${report.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} · ${report.traffic.rate} requests/s · gate ${percent(report.gate.maxErrorRate)} · ${report.verdict.ok ? 'PASSED' : 'FAILED'}`,
      { fill: report.verdict.ok ? '#1a7f37' : '#c62828' }
    )
  );

  // Each step's span, in both panels, named above the top panel.
  report.steps.forEach((step, i) => {
    const x0 = x(step.startSecond);
    const x1 = Math.max(x(step.endSecond), x0 + 1);
    const fill = step.outcome === 'done' ? (i % 2 === 0 ? '#e8f0fe' : '#f1f5e9') : '#fdecea';
    for (const panel of [top, bottom]) {
      out.push(
        `<rect x="${f(x0)}" y="${panel.y}" width="${f(x1 - x0)}" height="${panel.height}" fill="${fill}"/>`
      );
    }
    for (const edge of [x0, x1]) {
      out.push(
        `<line x1="${f(edge)}" y1="${top.y - 6}" x2="${f(edge)}" y2="${bottom.y + bottom.height}" stroke="#7a869a" stroke-dasharray="4 3"/>`
      );
    }
    out.push(
      text(
        (x0 + x1) / 2,
        top.y - 14,
        `${stepName(step)}${step.outcome === 'done' ? '' : ` (${step.outcome})`}`,
        {
          anchor: 'middle',
          size: 11,
        }
      )
    );
  });

  const outages = report.steps.flatMap((s) => s.plannedOutages);
  out.push(...plannedOutageMarks(outages, x, [top, bottom], left + plotWidth));
  const inOutage = (second: number) =>
    outages.some((o) => second + 1 > o.startSecond && second < o.endSecond);

  out.push(...axes(top, requestMax, 'requests per second'), ...axes(bottom, failureMax, 'failed per second'));

  // Requests per second: a line. Failed requests per second: a bar per second, at least 2 px high.
  if (requests.length > 0) {
    const points = requests.map((v, s) => `${f(x(s + 0.5))},${f(yTop(v))}`).join(' ');
    out.push(`<polyline points="${points}" fill="none" stroke="#1f6feb" stroke-width="1.5"/>`);
  }
  const barWidth = Math.max(1, plotWidth / seconds - 0.5);
  failures.forEach((v, s) => {
    if (v === 0) return;
    const yv = Math.min(yBottom(v), bottom.y + bottom.height - 2);
    out.push(
      `<rect x="${f(x(s))}" y="${f(yv)}" width="${f(barWidth)}" height="${f(bottom.y + bottom.height - yv)}" fill="${inOutage(s) ? PLANNED_COLOUR : FAILED_COLOUR}"/>`
    );
  });

  // The time axis, under the bottom panel.
  for (const s of timeTicks(seconds)) {
    const xs = x(s);
    out.push(
      `<line x1="${f(xs)}" y1="${bottom.y + bottom.height}" x2="${f(xs)}" y2="${bottom.y + bottom.height + 4}" stroke="#57606a"/>`,
      text(xs, bottom.y + bottom.height + 18, formatSecond(s), { anchor: 'middle' })
    );
  }
  out.push(
    text(left + plotWidth / 2, height - 12, 'time since the traffic started', {
      anchor: 'middle',
      fill: '#57606a',
    })
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;

  function axes(panel: { y: number; height: number }, max: number, label: string): string[] {
    const scale = y(panel, max);
    const parts = [
      `<line x1="${left}" y1="${panel.y + panel.height}" x2="${left + plotWidth}" y2="${panel.y + panel.height}" stroke="#57606a"/>`,
      `<line x1="${left}" y1="${panel.y}" x2="${left}" y2="${panel.y + panel.height}" stroke="#57606a"/>`,
      text(18, panel.y + panel.height / 2, label, { anchor: 'middle', fill: '#57606a', rotate: true }),
    ];
    for (const v of ticks(max)) {
      parts.push(
        `<line x1="${left}" y1="${f(scale(v))}" x2="${left + plotWidth}" y2="${f(scale(v))}" stroke="#d0d7de" stroke-width="0.5"/>`,
        text(left - 6, scale(v) + 4, String(v), { anchor: 'end' })
      );
    }
    return parts;
  }
}

/** Each planned outage's window, in every panel, named inside the last one. */
function plannedOutageMarks(
  outages: readonly PlannedOutageRecord[],
  x: (second: number) => number,
  panels: readonly { y: number; height: number }[],
  plotRight: number
): string[] {
  return outages.flatMap((outage) => {
    const x0 = x(outage.startSecond);
    const x1 = Math.max(x(outage.endSecond), x0 + 1);
    const last = panels[panels.length - 1];
    return [
      ...panels.map(
        (panel) =>
          `<rect x="${f(x0)}" y="${panel.y}" width="${f(x1 - x0)}" height="${panel.height}" fill="${PLANNED_COLOUR}" fill-opacity="0.15" stroke="${PLANNED_COLOUR}" stroke-width="0.5"/>`
      ),
      // Kept inside the plot: a window at the end of the run would push its name off the picture.
      text(Math.min((x0 + x1) / 2, plotRight - 60), last.y + 12, `${outage.service} (planned)`, {
        anchor: 'middle',
        size: 10,
        fill: PLANNED_COLOUR,
      }),
    ];
  });
}

/**
 * The chart as PNG (twice the SVG's size), rendered by resvg with the DejaVu Sans font that ships
 * with the package `dejavu-fonts-ttf`: the same picture on every machine, fonts installed or not.
 */
export async function chartPng(svg: string): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const fonts = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    font: {
      loadSystemFonts: false,
      fontFiles: [path.join(fonts, 'DejaVuSans.ttf'), path.join(fonts, 'DejaVuSans-Bold.ttf')],
      defaultFontFamily: 'DejaVu Sans',
    },
  });
  return resvg.render().asPng();
}

/** A round number at or above `value`: 1, 2, 5 × 10ⁿ. */
function niceMax(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((m) => m >= value)!;
}

/** About five round ticks from 0 to `max`, whole numbers (counts). */
function ticks(max: number): number[] {
  const step = niceMax(Math.max(1, max / 5));
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}

/** About eight ticks from 0 to `seconds`, on round times (10 s, 1 min, 5 min, …). */
function timeTicks(seconds: number): number[] {
  const step =
    [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].find((s) => s >= seconds / 8) ?? 7200;
  const out: number[] = [];
  for (let s = 0; s <= seconds; s += step) out.push(s);
  return out;
}

/** `90` → `1:30`. */
function formatSecond(s: number): string {
  return `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;
}

function text(
  x: number,
  y: number,
  content: string,
  style: {
    anchor?: 'start' | 'middle' | 'end';
    size?: number;
    weight?: string;
    fill?: string;
    rotate?: boolean;
  } = {}
): string {
  const attrs = [
    `x="${f(x)}"`,
    `y="${f(y)}"`,
    style.anchor && style.anchor !== 'start' && `text-anchor="${style.anchor}"`,
    style.size && `font-size="${style.size}"`,
    style.weight && `font-weight="${style.weight}"`,
    `fill="${style.fill ?? '#24292f'}"`,
    style.rotate && `transform="rotate(-90 ${f(x)} ${f(y)})"`,
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

function f(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}
