import * as fs from 'fs';
import * as path from 'path';

/**
 * The IAM actions the migration CLI needs, derived from its code, against the list that
 * docs/your-services.md gives its users. Every module the CLI can load (relative imports from
 * lib/migrate/cli.ts, type-only ones left out) is read for the SDK commands it can send:
 * `new XCommand(`, `paginateX(` (a paginator sends X) and `waitUntilX(` (a waiter, whose
 * operation must be named below). A command the CLI starts to send without its action in the
 * documented list fails this test.
 */

const ROOT = path.join(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'lib', 'migrate', 'cli.ts');
const DOC = path.join(ROOT, 'docs', 'your-services.md');

/** The IAM service prefix of each SDK client package. */
const PREFIX: Record<string, string> = {
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-servicediscovery': 'servicediscovery',
  '@aws-sdk/client-cloudformation': 'cloudformation',
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
  '@aws-sdk/client-route-53': 'route53',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
};

/**
 * Actions an operation needs besides its own (the Service Authorization Reference's dependent
 * actions, and roles the request passes).
 */
const ALSO_NEEDS: Record<string, readonly string[]> = {
  // Route 53 checks the VPC on the caller's behalf.
  'route53:ListHostedZonesByVPC': ['ec2:DescribeVpcs'],
  // A revision passes the task and execution roles, and is tagged when it is registered.
  'ecs:RegisterTaskDefinition': ['iam:PassRole', 'ecs:TagResource'],
  // Service Connect TLS passes its role; a blue/green target group attached again passes the load balancer role.
  'ecs:UpdateService': ['iam:PassRole'],
};

/** Commands in modules the CLI loads that only the teardown Lambda sends, and the function that sends each. */
const LAMBDA_ONLY: Record<string, string> = {
  'servicediscovery:DeregisterInstance': 'deregisterInstances',
};

/** The project's modules the CLI can load, from its entry point. */
function modulesOf(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const [, typeOnly, from] of text.matchAll(
      /^(?:import|export)\s+(type\s+)?[^;]*?from\s+'(\.[^']+)'/gms
    )) {
      if (typeOnly) continue;
      const base = path.resolve(path.dirname(file), from);
      const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
      if (!resolved) throw new Error(`${file}: cannot resolve '${from}'`);
      visit(resolved);
    }
  };
  visit(entry);
  return [...seen].sort();
}

/**
 * The IAM actions of the SDK commands a module can send, each with the module: for every name it
 * imports from an SDK client (aliases followed), a command it constructs, a paginator it runs.
 */
function actionsSentBy(file: string): Map<string, string> {
  const text = fs.readFileSync(file, 'utf8');
  const where = path.relative(ROOT, file);
  const actions = new Map<string, string>();
  for (const [, names, pkg] of text.matchAll(
    /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(@aws-sdk\/client-[^']+)'/g
  )) {
    for (const entry of names.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
      if (!entry) continue;
      const [original, local = original] = entry.split(/\s+as\s+/);
      const operation = /^(\w+)Command$/.exec(original)?.[1] ?? /^paginate(\w+)$/.exec(original)?.[1];
      const used = new RegExp(`${/Command$/.test(original) ? 'new\\s+' : '\\b'}${local}\\(`).test(text);
      if (/^waitUntil/.test(original) && new RegExp(`\\b${local}\\(`).test(text))
        throw new Error(`${where}: ${original} sends an operation this test does not know: map it here`);
      if (!operation || !used) continue;
      const prefix = PREFIX[pkg];
      if (!prefix) throw new Error(`${where}: no IAM prefix known for ${pkg}: add it to PREFIX`);
      actions.set(`${prefix}:${operation}`, where);
    }
  }
  return actions;
}

/** The actions a section of the document lists (`service:Action` in backticks), by table row. */
function documentedActions(): { readOnly: string[]; changes: string[] } {
  const text = fs.readFileSync(DOC, 'utf8');
  const start = text.indexOf('\nPermissions');
  expect(start).toBeGreaterThan(0);
  const section = text.slice(start, text.indexOf('\n## ', start));
  const row = (label: string) => {
    const line = section.split('\n').find((l) => l.startsWith(`| ${label}`));
    expect(line).toBeDefined();
    return [...line!.matchAll(/`([a-z0-9-]+:[A-Za-z*]+)`/g)].map(([, action]) => action);
  };
  return { readOnly: row('every command'), changes: row('apply, retire, rollback') };
}

const isRead = (action: string) => /^[a-z0-9-]+:(Describe|List|Get)/.test(action);

describe('the IAM actions the migration CLI needs', () => {
  const modules = modulesOf(ENTRY);
  const sent = new Map<string, string>();
  for (const file of modules) for (const [action, where] of actionsSentBy(file)) sent.set(action, where);
  const needed = new Set(
    [...sent.keys()]
      .filter((action) => !(action in LAMBDA_ONLY))
      .flatMap((action) => [action, ...(ALSO_NEEDS[action] ?? [])])
  );

  test('are read from every module the CLI loads: discovery, the migration and the SDK operations they share', () => {
    const relative = modules.map((f) => path.relative(ROOT, f));
    expect(relative).toEqual(
      expect.arrayContaining([
        'lib/migrate/run.ts',
        'lib/discover/read.ts',
        'lib/aws/ecs.ts',
        'lib/aws/clients.ts',
      ])
    );
    expect([...needed]).toEqual(
      expect.arrayContaining([
        'ecs:UpdateService',
        'route53:ListHostedZonesByVPC',
        'cloudformation:DescribeStacks',
      ])
    );
  });

  test('leave out only what the teardown Lambda sends, which the CLI never calls', () => {
    for (const [action, fn] of Object.entries(LAMBDA_ONLY)) {
      expect(sent.has(action)).toBe(true);
      const callers = modules.filter((f) => new RegExp(`\\b${fn}\\(`).test(fs.readFileSync(f, 'utf8')));
      expect(callers.map((f) => path.relative(ROOT, f))).toEqual([sent.get(action)]);
    }
  });

  test('are all in the documented list, the reads in the row of every command and the changes in the row of the commands that change', () => {
    const { readOnly, changes } = documentedActions();
    const missing = [...needed].filter(
      (a) => !(isRead(a) || a === 'ec2:DescribeVpcs' ? readOnly : changes).includes(a)
    );
    expect(missing.map((a) => `${a} (sent by ${sent.get(a) ?? 'a dependent action'})`)).toEqual([]);
  });

  test('and the list asks for nothing more', () => {
    const { readOnly, changes } = documentedActions();
    expect([...readOnly, ...changes].filter((a) => !needed.has(a))).toEqual([]);
    expect(readOnly.filter((a) => !isRead(a) && a !== 'ec2:DescribeVpcs')).toEqual([]);
  });
});
