import { StackOwner } from '../model/topology';
import { TemplateJson } from './template';

/**
 * The tool that made a stack, from its template: the CDK leaves its `AWS::CDK::Metadata`
 * resource (`CDKMetadata`, unless version reporting is off) and each resource's `aws:cdk:path`
 * metadata (unless path metadata is off); Copilot its manifest in the template's `Metadata` and
 * its `AppName`, `EnvName` and `WorkloadName` parameters. Undefined for a template written by
 * hand (or by a tool that leaves no trace).
 */
export function madeByOf(template: TemplateJson): StackOwner['madeBy'] {
  const resources = Object.values(template.Resources ?? {}).filter(
    (r) => r !== null && typeof r === 'object'
  );
  if (
    resources.some(
      (r) => r.Type === 'AWS::CDK::Metadata' || (r.Metadata !== undefined && 'aws:cdk:path' in r.Metadata)
    )
  )
    return 'cdk';
  const metadata = template.Metadata as Record<string, unknown> | undefined;
  const parameters = (template.Parameters ?? {}) as Record<string, unknown>;
  if (
    (metadata !== undefined && 'Manifest' in metadata) ||
    ['AppName', 'EnvName', 'WorkloadName'].every((p) => p in parameters)
  )
    return 'copilot';
  return undefined;
}
