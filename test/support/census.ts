import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * A stack's resources counted by the construct that owns them (the first part of the construct
 * path under the stack, e.g. `Appserver`, `Legacy`) and their type: `Owner Type: n`, sorted. The
 * CDK CLI adds its metadata resource to every stack it synthesizes (version reporting), which the
 * tests' apps leave out: it is counted as the CLI's template has it.
 */
export function templateCensus(stack: Stack): Record<string, number> {
  const ownerOf = new Map<string, string>();
  for (const element of stack.node.findAll().filter((c): c is CfnElement => CfnElement.isCfnElement(c))) {
    const [owner] = element.node.path.split('/').slice(1);
    ownerOf.set(stack.getLogicalId(element), owner);
  }
  const census: Record<string, number> = { 'CDKMetadata AWS::CDK::Metadata': 1 };
  for (const [logicalId, resource] of Object.entries(Template.fromStack(stack).toJSON().Resources)) {
    const key = `${ownerOf.get(logicalId) ?? logicalId} ${(resource as { Type: string }).Type}`;
    if (key !== 'CDKMetadata AWS::CDK::Metadata') census[key] = (census[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(census).sort(([a], [b]) => a.localeCompare(b)));
}
