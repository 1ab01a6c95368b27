import { formatTable } from '../cli/table';

/**
 * What discovery found that a person should know before `apply`: each finding has a severity,
 * the services concerned, the fact, why it matters and what to do (or what the topology file
 * already does about it). `docs/your-services.md` explains every code.
 */

/** How much a finding matters. */
export type Severity = 'error' | 'warning' | 'info';

/** The kinds of findings, each explained in docs/your-services.md. */
export const FINDING_CODES = [
  'unnamed-port',
  'no-app-protocol',
  'lb-idle-timeout',
  'proxy-log-group',
  'no-health-check',
  'nginx-ipv6',
  'call-cycle',
  'other-clusters',
  'uncalled-name',
  'two-names',
  'second-path',
  'ambiguous-name',
  'path-routing',
  'several-ports',
  'no-port',
  'not-read',
  'classic-load-balancer',
  'deployment-controller',
  'already-service-connect',
  'old-path-not-found',
  'owned-by-stack',
  'secrets-not-read',
  'redacted-environment',
  'copy-public-entry',
  'copy-data-volume',
  'copy-image',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly services: readonly string[];
  /** The fact, one sentence. */
  readonly what: string;
  /** Why it matters for the migration. */
  readonly why: string;
  /** What to do, or what the topology file already does. */
  readonly action: string;
}

/** A value that looks like an address but names no service discovery knows: listed, never guessed. */
export interface UnmatchedAddress {
  readonly service: string;
  readonly evidence: string;
  readonly address: string;
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Findings, most severe first, then by code and service. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      ORDER[a.severity] - ORDER[b.severity] ||
      FINDING_CODES.indexOf(a.code) - FINDING_CODES.indexOf(b.code) ||
      a.services.join().localeCompare(b.services.join())
  );
}

/**
 * The findings and unmatched addresses for people. Findings of one code that say the same why
 * and what to do are one entry listing their services (twelve services without a health check:
 * three lines); `--json` keeps one finding per service.
 */
export function renderFindings(findings: readonly Finding[], unmatched: readonly UnmatchedAddress[]): string {
  const counts = (['error', 'warning', 'info'] as const)
    .map((s) => {
      const n = findings.filter((f) => f.severity === s).length;
      return `${n} ${s}${s === 'info' || n === 1 ? '' : 's'}`;
    })
    .join(', ');
  const lines = [`findings: ${counts}`];
  for (const group of groupFindings(findings)) {
    const [first] = group;
    const services = group.map((f) => f.services.join(' + ')).join(', ');
    lines.push('', `${first.severity.toUpperCase()} ${first.code} [${services}]`);
    if (group.length === 1) lines.push(`  ${first.what}`);
    lines.push(`  why: ${first.why}`, `  do: ${first.action}`);
  }
  if (unmatched.length > 0) {
    lines.push(
      '',
      'addresses that match no service of the cluster (not taken as calls; check them):',
      formatTable(
        ['service', 'where', 'address'],
        unmatched.map((u) => [u.service, u.evidence, u.address])
      )
    );
  }
  if (findings.length > groupFindings(findings).length)
    lines.push('', 'each finding of a group with its own facts: --json');
  return lines.join('\n');
}

/**
 * Sorted findings in groups, in their order: those of one code with the same severity, why and
 * action, each naming services. A finding that names no service (a namespace, an API not read)
 * stays alone: its fact is all it says.
 */
function groupFindings(findings: readonly Finding[]): Finding[][] {
  const groups = new Map<string, Finding[]>();
  findings.forEach((f, i) => {
    const key =
      f.services.length === 0 ? `alone ${i}` : JSON.stringify([f.code, f.severity, f.why, f.action]);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  });
  return [...groups.values()];
}
