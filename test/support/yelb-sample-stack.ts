import * as fs from 'fs';
import * as path from 'path';
import { FakeAws } from './fake-aws';
import { LiveCluster, LiveService } from './live-cluster';

/**
 * The AWS sample's Yelb as its CloudFormation stack deploys it (test/export/yelb-sample.cfn.yaml,
 * written for the tests in the shape of aws-samples/ecs-service-connect-yelb-sample-app's
 * iac/base-infra-cfn.yaml): four services in one stack, the UI behind a public load balancer,
 * the appserver behind an internal one with a latency alias record in yelb.lb.internal, the
 * database and Redis (container and family `redis-server`) in Cloud Map DNS, the HTTP namespace
 * `yelb.sc.internal` already there. Seeded into the fake AWS as the live cluster and the stack
 * that owns it: the services carry CloudFormation's tags, the stack lists their resources, and
 * GetTemplate returns the YAML as it was written.
 */

export const SAMPLE_STACK = 'yelb-sample';
export const SAMPLE_TEMPLATE_FILE = path.join(__dirname, '..', 'export', 'yelb-sample.cfn.yaml');

const LOGS = 'ecs/serviceconnectdemo';

function service(
  name: string,
  logicalId: string,
  rest: Omit<LiveService, 'name' | 'stack'>,
  stack: Partial<NonNullable<LiveService['stack']>>
): LiveService {
  return { name, ...rest, stack: { name: SAMPLE_STACK, service: logicalId, ...stack } };
}

/** The live cluster the sample's stack made. */
export const YELB_SAMPLE: LiveCluster = {
  cluster: 'yelb-cluster',
  vpc: 'vpc-0yelb',
  zone: 'yelb.lb.internal',
  defaultNamespace: 'yelb.sc.internal',
  logGroups: [LOGS],
  loadBalancers: [
    { name: 'yelb-public', scheme: 'internet-facing' },
    { name: 'yelb-internal', scheme: 'internal' },
  ],
  services: [
    service(
      'yelb-ui',
      'YelbUiService',
      {
        desiredCount: 3,
        containers: [
          {
            name: 'yelb-ui',
            image: 'mreferre/yelb-ui:0.10',
            ports: [{ containerPort: 80 }],
            environment: { APP_SERVER: 'yelb-appserver.yelb.lb.internal', APP_SERVER_PORT: '4567' },
            logGroup: LOGS,
          },
        ],
        public: { lb: 'yelb-public', listenerPort: 80, healthCheckPath: '/' },
      },
      { taskDefinition: 'YelbUiTaskDefinition' }
    ),
    service(
      'yelb-appserver',
      'YelbAppServerService',
      {
        desiredCount: 3,
        containers: [
          {
            name: 'yelb-appserver',
            image: 'mreferre/yelb-appserver:0.7',
            ports: [{ containerPort: 4567 }],
            environment: {
              YELB_DB_SERVER: 'yelb-db.yelb.cloudmap.internal',
              YELB_DB_SERVER_PORT: '5432',
              YELB_REDIS_SERVER: 'yelb-redis.yelb.cloudmap.internal',
              YELB_REDIS_SERVER_PORT: '6379',
              APP_PORT: '4567',
            },
            logGroup: LOGS,
          },
        ],
        internal: {
          lb: 'yelb-internal',
          listenerPort: 4567,
          aliases: ['yelb-appserver.yelb.lb.internal'],
          healthCheckPath: '/api/getvotes',
        },
      },
      {
        taskDefinition: 'YelbAppServerTaskDefinition',
        targetGroup: 'YelbAppServerTargetGroup',
        record: 'YelbAppServerRecord',
      }
    ),
    service(
      'yelb-db',
      'YelbDbService',
      {
        containers: [
          {
            name: 'yelb-db',
            image: 'mreferre/yelb-db:0.6',
            ports: [{ containerPort: 5432 }],
            logGroup: LOGS,
          },
        ],
        cloudMap: { namespace: 'yelb.cloudmap.internal', name: 'yelb-db' },
      },
      { taskDefinition: 'YelbDbTaskDefinition', registry: 'YelbDbDiscovery' }
    ),
    service(
      'yelb-redis',
      'YelbRedisService',
      {
        family: 'redis-server',
        containers: [
          {
            name: 'redis-server',
            image: 'public.ecr.aws/docker/library/redis:5.0.14',
            ports: [{ containerPort: 6379 }],
            logGroup: LOGS,
          },
        ],
        cloudMap: { namespace: 'yelb.cloudmap.internal', name: 'yelb-redis' },
      },
      { taskDefinition: 'YelbRedisTaskDefinition', registry: 'YelbRedisDiscovery' }
    ),
  ],
};

/** The sample's template as it was written (YAML, short forms, comments). */
export function sampleTemplate(): string {
  return fs.readFileSync(SAMPLE_TEMPLATE_FILE, 'utf8');
}

/** Seeds the fake with the sample's cluster and its stack (`template`: the sample's unless given). */
export function seedSample(fake: FakeAws, template = sampleTemplate()): void {
  fake.seedCluster(YELB_SAMPLE);
  fake.setStackTemplate(SAMPLE_STACK, template);
  fake.stackParameters.set(SAMPLE_STACK, {
    VpcId: 'vpc-0yelb',
    PrivateSubnets: 'subnet-0a,subnet-0b',
    PublicSubnets: 'subnet-1a,subnet-1b',
    AppServerPort: '4567',
  });
}
