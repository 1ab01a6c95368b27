import { Template } from 'aws-cdk-lib/assertions';
import * as fs from 'fs';
import * as path from 'path';
import { parseConfig } from '../../lib/app/config';
import { loadTestFamily } from '../../lib/contract/stage';
import { checkDeployLimits, outputCount, resourceCount } from '../../lib/app/deploy-limits';
import { ValidationError } from '../../lib/core/validation';
import { layeredTopology } from '../../lib/bench/scale-topology';
import { validateDeployable } from '../../lib/model/deployable';
import { ServiceSpec, Topology } from '../../lib/model/topology';
import { YELB } from '../../lib/model/yelb';
import { TEST_CONTEXT, buildApp, phaseContext } from '../support/app';
import { MIGRATION_PHASES, MigrationPhase } from '../../lib/model/phase';
import { createApp } from '../../lib/app/app';
import { tempDir } from '../support/temp';
import { templateCensus } from '../support/census';
import { plannedResources, resourceCensus } from '../../lib/app/resources';

const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
const OPTIONS = { mirrorImages: true, https: false, domain: false, alarmEmail: false };

const problemsOf = (topology: Topology, options = OPTIONS): readonly string[] => {
  try {
    checkDeployLimits(validateDeployable(topology), options);
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
};

describe("the plan's resources are the synthesized ones, construct by construct", () => {
  // Yelb in every phase; each option in the serviceConnect phase, which has both paths (the
  // options add resources of their own, the same in every phase).
  test.each([
    ...MIGRATION_PHASES.map((phase) => [`Yelb, ${phase} phase`, phase, {}] as const),
    ['Yelb without the mirror', 'serviceConnect', { mirrorImages: 'false' }],
    [
      'Yelb with HTTPS, its domain and alarm e-mail',
      'serviceConnect',
      {
        certificateArn: CERTIFICATE,
        domainName: 'yelb.example.com',
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        alarmEmail: 'ops@example.com',
      },
    ],
    ['Yelb with data in the task', 'serviceConnect', { dbStorage: 'ephemeral' }],
  ] as const)('%s', (_label, phase: MigrationPhase, context: Record<string, string>) => {
    const built = buildApp(phase, context);
    const config = built.config;
    const options = {
      mirrorImages: config.mirrorImages,
      https: config.https !== undefined,
      domain: config.https?.domain !== undefined,
      alarmEmail: config.alarmEmail !== undefined,
    };
    expect(templateCensus(built.system)).toEqual(
      resourceCensus(plannedResources(built.system.plan, options))
    );
    const template = Template.fromStack(built.system).toJSON();
    expect(Object.keys(template.Outputs).length).toBe(outputCount(config.topology));
  });
});

describe('quotas AWS would enforce only at deploy time are refused before synth', () => {
  test('resources per stack (CloudFormation), naming the count and the quota', () => {
    expect(problemsOf(layeredTopology(48))).toEqual([
      expect.stringMatching(
        /^services: 48 services make about \d+ resources in one stack; allowed: at most 500 \(CloudFormation's quota of resources per stack\)/
      ),
    ]);
    expect(problemsOf(layeredTopology(40), { ...OPTIONS, mirrorImages: false })).toEqual([]);
  });

  test("CloudWatch's 255 characters for the deployment alarms' and the dashboard's names, from the cluster's", () => {
    const long: Topology = { ...YELB, clusterName: 'c'.repeat(250) };
    const problems = problemsOf(long, { ...OPTIONS, mirrorImages: false });
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^clusterName: the deployment alarm 'c+-deploy-public-target-5xx' would be 275 characters; allowed: at most 255 \(Amazon CloudWatch\)/
      )
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /deploy-yelb-appserver-service-connect-5xx' would be \d+ characters; .*or service name \('yelb-appserver'\)/
      )
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^clusterName: the dashboard 'c+…' would be 260 characters/)
    );
    expect(
      problemsOf({ ...YELB, clusterName: 'c'.repeat(200) }, { ...OPTIONS, mirrorImages: false }).join()
    ).not.toMatch(/CloudWatch/);
  });

  test('listeners per load balancer (Elastic Load Balancing)', () => {
    const services = Array.from({ length: 51 }, (_, i): ServiceSpec => ({
      ...YELB.services[1],
      name: `api-${i}`,
      id: `api${i}`,
      portName: `api-${i}`,
      port: 9000 + i,
      calls: [],
    }));
    const topology: Topology = { ...YELB, services: [{ ...YELB.services[0], calls: [] }, ...services] };
    expect(problemsOf(topology, { ...OPTIONS, mirrorImages: false })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^services\[\*\]\.legacyDiscovery: 51 services are behind the internal load balancer, one listener each; allowed: at most 50 \(Elastic Load Balancing's quota of listeners per load balancer\)/
        ),
      ])
    );
  });

  test("the internal load balancer's name (32 characters), with the stage", () => {
    const topology = { ...YELB, clusterName: 'a-cluster-name-of-26-chars' };
    expect(problemsOf(topology)).toEqual([
      expect.stringMatching(
        /^clusterName: 'a-cluster-name-of-26-chars' \(with the stage, if any\) is 26 characters; allowed: at most 25 while a service is behind the internal load balancer/
      ),
    ]);
    // No service behind it: no load balancer, no limit.
    const noAlb: Topology = {
      ...topology,
      services: YELB.services.map((s) =>
        s.legacyDiscovery.kind === 'internalAlb' ? { ...s, legacyDiscovery: { kind: 'cloudMapDns' } } : s
      ),
    };
    expect(problemsOf(noAlb)).toEqual([]);
  });

  test("the mirror repositories' names (Amazon ECR): every image at once, naming it, the name and the rule", () => {
    const topology: Topology = {
      ...YELB,
      services: YELB.services.map((s, i) =>
        i === 0 ? { ...s, image: 'acme/yelb--ui:1' } : i === 1 ? { ...s, image: 'acme/app__server:2' } : s
      ),
    };
    expect(problemsOf(topology)).toEqual([
      "services[0].image: 'acme/yelb--ui:1' would be copied to the ECR repository 'yelb-cluster/docker.io/acme/yelb--ui', which has the part 'yelb--ui'; ECR allows, between slashes, lowercase letters and digits with a single '.', '_' or '-' between them (Amazon ECR); or set mirrorImages=false",
      "services[1].image: 'acme/app__server:2' would be copied to the ECR repository 'yelb-cluster/docker.io/acme/app__server', which has the part 'app__server'; ECR allows, between slashes, lowercase letters and digits with a single '.', '_' or '-' between them (Amazon ECR); or set mirrorImages=false",
    ]);
    // Not copied, not named: the tasks pull the images as they are.
    expect(problemsOf(topology, { ...OPTIONS, mirrorImages: false })).toEqual([]);
  });

  test('security-group rules: a service with more callers than a group has inbound rules', () => {
    const callers = Array.from({ length: 60 }, (_, i): ServiceSpec => ({
      ...YELB.services[3],
      name: `client-${i}`,
      id: `client${i}`,
      portName: `client-${i}`,
      port: 7000 + i,
      legacyDiscovery: { kind: 'none' },
      singleton: undefined,
      calls: [{ service: 'yelb-appserver', env: 'APP', format: 'url' }],
    }));
    const topology: Topology = { ...YELB, services: [...YELB.services, ...callers] };
    expect(problemsOf(topology, { ...OPTIONS, mirrorImages: false })).toEqual([
      expect.stringMatching(
        /^services\[1\]: 'yelb-appserver' needs 62 inbound security-group rules \(its callers and load balancers\); allowed: at most 60/
      ),
      // Service Connect's deployment alarms sum one metric per caller.
      "services[1]: 'yelb-appserver' has 61 callers; its Service Connect deployment alarms add one metric per caller, and a CloudWatch alarm takes at most 10",
      expect.stringMatching(
        /^services\[\*\]\.calls: the internal load balancer's security group needs 61 inbound rules .*allowed: at most 60/
      ),
    ]);
  });
});

describe('-c topology=FILE', () => {
  const write = (name: string, topology: unknown): string => {
    const file = path.join(tempDir('topology-file'), name);
    fs.writeFileSync(file, JSON.stringify(topology));
    return file;
  };
  const parse = (context: Record<string, unknown>) => () =>
    parseConfig({ ...TEST_CONTEXT, ...context }, YELB);

  test("builds the file's system: its names, its context keys, Yelb's refused", () => {
    const file = write('shop.json', { ...YELB, name: 'shop', title: undefined });
    const config = parse({ topology: file, shopUiImage: 'nginx:1.27' })();
    expect(config.stackNames).toEqual({ network: 'ShopNetwork', system: 'Shop', loadTest: 'ShopLoadTest' });
    expect(config.topology.services[0].image).toBe('nginx:1.27');
    expect(parse({ topology: file, yelbUiImage: 'nginx:1.27' })).toThrow(
      /context key 'yelbUiImage' is not known; the 'shop' keys are 'shopUiImage', 'shopUiDesiredCount'/
    );
  });

  test('a file without a name is named after its cluster, the same with a stage', () => {
    const file = write('unnamed.json', {
      ...YELB,
      name: undefined,
      title: undefined,
      clusterName: 'shop-cluster',
    });
    const config = parse({ topology: file, stage: 'blue' })();
    expect(config.stackNames).toEqual({
      network: 'ShopclusterNetwork-blue',
      system: 'Shopcluster-blue',
      loadTest: 'ShopclusterLoadTest-blue',
    });
    expect(config.topology.clusterName).toBe('shop-cluster-blue');
    expect(loadTestFamily(config.topology)).toBe('shopcluster-loadtest');
  });

  test('refuses a file the app cannot build, one line per problem naming the file and the JSON path', () => {
    const services = YELB.services.map((s) => (s.name === 'yelb-ui' ? { ...s, image: undefined } : s));
    const file = write('bad.json', { ...YELB, clusterName: 'a-cluster-name-of-26-chars', services });
    expect(() => parse({ topology: file })()).toThrow(ValidationError);
    try {
      parse({ topology: file })();
    } catch (err) {
      expect((err as ValidationError).problems).toEqual([
        `${file}: services[0].image: missing; allowed: a value, which the CDK app needs to run the service`,
      ]);
    }
    const tooLong = write('long.json', { ...YELB, clusterName: 'a-cluster-name-of-26-chars' });
    expect(parse({ topology: tooLong })).toThrow(
      new RegExp(`^${tooLong}: clusterName: 'a-cluster-name-of-26-chars'`)
    );
  });

  test('refuses a missing file, and a file that is not a topology, naming it', () => {
    expect(parse({ topology: '/nonexistent/topology.json' })).toThrow(
      /\/nonexistent\/topology\.json: cannot be read \(ENOENT\)/
    );
    const file = write('not.json', { clusterName: 'x' });
    expect(parse({ topology: file })).toThrow(new RegExp(`${file}: serviceConnectNamespace`));
    expect(parse({ topology: '' })).toThrow(
      /context key 'topology' has value ''; allowed: the path of a topology file/
    );
  });
});

describe('the count is never below the synthesized one, where the CDK splits a policy too', () => {
  const dnsHeavy = (n: number): Topology => {
    const stores = Array.from({ length: n }, (_, i): ServiceSpec => ({
      ...YELB.services[3],
      name: `store-${i}`,
      id: `store${i}`,
      portName: `store-${i}`,
      port: 7000 + i,
      calls: [],
    }));
    return {
      ...YELB,
      services: [
        { ...YELB.services[0], calls: [{ service: 'store-0', env: 'X', format: 'host' }] },
        ...stores,
      ],
    };
  };
  test.each([
    ['layered 36', layeredTopology(36)],
    ['layered 40 (one managed policy)', layeredTopology(40)],
    ['30 Cloud Map DNS services', dnsHeavy(30)],
    ['50 Cloud Map DNS services (two)', dnsHeavy(50)],
  ])('%s, in every phase', (_label, topology) => {
    for (const phase of MIGRATION_PHASES) {
      const built = createApp(
        { context: { ...TEST_CONTEXT, ...phaseContext(phase), mirrorImages: 'false' } },
        topology,
        // cdk-nag and the quota check change no resource (test/nag.spec.ts and the quota tests run them).
        { checks: false }
      );
      // The CDK CLI adds its metadata resource, which the test apps leave out.
      const actual = Object.keys(Template.fromStack(built.system).toJSON().Resources).length + 1;
      const count = resourceCount(built.config.topology, {
        mirrorImages: false,
        https: false,
        domain: false,
        alarmEmail: false,
      });
      // The biggest phase's count: never below any phase's, at most one above the biggest.
      expect({ phase, atLeast: count >= actual }).toEqual({ phase, atLeast: true });
      if (phase !== 'retired') expect({ phase, above: count - actual <= 1 }).toEqual({ phase, above: true });
    }
  });
});
