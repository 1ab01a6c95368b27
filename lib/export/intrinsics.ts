/**
 * What the export may read of CloudFormation's intrinsic functions, and no more: whether a value
 * uses one, which resources it refers to, and the value of a parameter reference as the stack
 * was deployed with it. Anything else a field the export touches depends on is refused by name,
 * never guessed.
 */

/** Whether `value` is an intrinsic function (`{"Ref": …}`, `{"Fn::If": …}`, `{"Condition": …}`). */
export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'));
}

/** The first intrinsic function anywhere in `value`, or undefined when it is all literal. */
export function firstIntrinsic(value: unknown): Record<string, unknown> | undefined {
  if (isIntrinsic(value)) return value;
  if (value === null || typeof value !== 'object') return undefined;
  for (const item of Object.values(value)) {
    const found = firstIntrinsic(item);
    if (found) return found;
  }
  return undefined;
}

/** An intrinsic function's name, for messages: `Fn::If`, `Ref`. */
export function intrinsicName(value: Record<string, unknown>): string {
  return Object.keys(value)[0];
}

/** The logical IDs (and parameters) `value` refers to: `Ref`, `Fn::GetAtt`, `${…}` of `Fn::Sub`. */
export function referencedIds(value: unknown): Set<string> {
  const ids = new Set<string>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(visit);
    const node = v as Record<string, unknown>;
    if (typeof node.Ref === 'string') ids.add(node.Ref);
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') ids.add(getAtt[0]);
    if (typeof getAtt === 'string') ids.add(getAtt.split('.')[0]);
    const sub = node['Fn::Sub'];
    const [text, variables] = (Array.isArray(sub) ? sub : [sub]) as unknown[];
    if (typeof text === 'string') {
      const local = variables && typeof variables === 'object' ? Object.keys(variables) : [];
      for (const [, name] of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const id = name.split('.')[0];
        if (!local.includes(id)) ids.add(id);
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(value);
  return ids;
}

/** What a stack was deployed with: its parameters' values, its name and region. */
export interface DeployedValues {
  readonly stack: string;
  readonly region: string;
  /** The parameters' values (DescribeStacks), by name. */
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * A literal, or a reference to a parameter or a pseudo parameter (alone or in an `Fn::Sub`), as
 * the stack was deployed; undefined for anything else (another function, a resource's value).
 */
export function evaluate(value: unknown, deployed: DeployedValues): string | number | boolean | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (!isIntrinsic(value)) return undefined;
  if (typeof value.Ref === 'string') return referenceValue(value.Ref, deployed);
  const sub = value['Fn::Sub'];
  if (typeof sub !== 'string') return undefined;
  let unresolved = false;
  const text = sub.replace(/\$\{([^!}][^}]*)\}/g, (_all, name: string) => {
    const resolved = referenceValue(name, deployed);
    if (resolved === undefined) unresolved = true;
    return String(resolved);
  });
  return unresolved ? undefined : text.replace(/\$\{!/g, '${');
}

function referenceValue(name: string, deployed: DeployedValues): string | undefined {
  if (name === 'AWS::Region') return deployed.region;
  if (name === 'AWS::StackName') return deployed.stack;
  return deployed.parameters[name];
}
