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
  'secrets-not-read',
  'redacted-environment',
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

/** The findings and unmatched addresses for people. */
export function renderFindings(findings: readonly Finding[], unmatched: readonly UnmatchedAddress[]): string {
  const counts = (['error', 'warning', 'info'] as const)
    .map((s) => {
      const n = findings.filter((f) => f.severity === s).length;
      return `${n} ${s}${s === 'info' || n === 1 ? '' : 's'}`;
    })
    .join(', ');
  const lines = [`findings: ${counts}`];
  for (const f of findings) {
    lines.push(
      '',
      `${f.severity.toUpperCase()} ${f.code} [${f.services.join(', ')}]`,
      `  ${f.what}`,
      `  why: ${f.why}`,
      `  do: ${f.action}`
    );
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
  return lines.join('\n');
}
