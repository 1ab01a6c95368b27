import { LiveCluster } from './live-cluster';

/**
 * Yelb as the AWS sample's own template deploys it before the migration
 * (aws-samples/ecs-service-connect-yelb-sample-app, iac/base-infra-cfn.yaml, as
 * /work/shared/REFERENCE.md §9 records it): the UI told its appserver by `APP_SERVER` (a host)
 * and `APP_SERVER_PORT`, the appserver its database and Redis by `YELB_DB_SERVER`,
 * `YELB_REDIS_SERVER` and their ports; the database and Redis in the Cloud Map DNS namespace
 * `yelb.cloudmap.internal`; the appserver behind an internal Application Load Balancer (its
 * target group checks `/api/getvotes`) with a latency alias record in `yelb.lb.internal`; the
 * Redis service's container and task definition family named `redis-server`; every port named;
 * the HTTP namespace `yelb.sc.internal` there, empty; one log group, `ecs/serviceconnectdemo`.
 */
export const YELB_SAMPLE: LiveCluster = {
  cluster: 'yelb-cluster',
  vpc: 'vpc-0yelb',
  zone: 'yelb.lb.internal',
  logGroups: ['ecs/serviceconnectdemo'],
  httpNamespaces: ['yelb.sc.internal'],
  loadBalancers: [
    { name: 'yelb-serviceconnect', scheme: 'internet-facing' },
    { name: 'serviceconnect-appserver', scheme: 'internal' },
  ],
  services: [
    {
      name: 'yelb-ui',
      desiredCount: 3,
      containers: [
        {
          name: 'yelb-ui',
          image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/yelb-ui:latest',
          ports: [{ containerPort: 80, name: 'yelb-ui', appProtocol: 'http' }],
          environment: { APP_SERVER: 'yelb-appserver.yelb.lb.internal', APP_SERVER_PORT: '4567' },
          logGroup: 'ecs/serviceconnectdemo',
        },
      ],
      public: { lb: 'yelb-serviceconnect', listenerPort: 80, healthCheckPath: '/' },
    },
    {
      name: 'yelb-appserver',
      desiredCount: 3,
      containers: [
        {
          name: 'yelb-appserver',
          image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/yelb-appserver:latest',
          ports: [{ containerPort: 4567, name: 'yelb-appserver', appProtocol: 'http' }],
          environment: {
            APP_PORT: '4567',
            RACK_ENV: 'custom',
            YELB_DB_SERVER: 'yelb-db.yelb.cloudmap.internal',
            YELB_DB_SERVER_PORT: '5432',
            YELB_REDIS_SERVER: 'yelb-redis.yelb.cloudmap.internal',
            YELB_REDIS_SERVER_PORT: '6379',
          },
          logGroup: 'ecs/serviceconnectdemo',
        },
      ],
      internal: {
        lb: 'serviceconnect-appserver',
        listenerPort: 4567,
        aliases: ['yelb-appserver.yelb.lb.internal'],
        latency: true,
        healthCheckPath: '/api/getvotes',
      },
    },
    {
      name: 'yelb-db',
      containers: [
        {
          name: 'yelb-db',
          image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/yelb-db:latest',
          ports: [{ containerPort: 5432, name: 'yelb-db' }],
          logGroup: 'ecs/serviceconnectdemo',
        },
      ],
      cloudMap: { namespace: 'yelb.cloudmap.internal', name: 'yelb-db' },
    },
    {
      name: 'yelb-redis',
      family: 'redis-server',
      containers: [
        {
          name: 'redis-server',
          image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/redis:latest',
          ports: [{ containerPort: 6379, name: 'yelb-redis' }],
          logGroup: 'ecs/serviceconnectdemo',
        },
      ],
      cloudMap: { namespace: 'yelb.cloudmap.internal', name: 'yelb-redis' },
    },
  ],
};

/**
 * The walkthrough's `sc-update/*.json` in the sample's own shape (`scripts/use-service-connect.sh`
 * fills in `awslogs-region`; no timeouts, no access logs; the UI client-only, without a `services`
 * list), and the `aws ecs update-service` calls the script makes with them, in its order: the
 * appserver's load balancers detached (`--load-balancers "[]"`) in the same update.
 */
export function sampleScUpdates(region: string): { service: string; loadBalancers?: []; config: unknown }[] {
  const logs = (prefix: string) => ({
    logDriver: 'awslogs',
    options: {
      'awslogs-group': 'ecs/serviceconnectdemo',
      'awslogs-region': region,
      'awslogs-stream-prefix': prefix,
    },
  });
  const server = (portName: string, port: number, dnsName: string, prefix: string) => ({
    enabled: true,
    namespace: 'yelb.sc.internal',
    services: [{ portName, clientAliases: [{ port, dnsName }] }],
    logConfiguration: logs(prefix),
  });
  return [
    { service: 'yelb-db', config: server('yelb-db', 5432, 'yelb-db.yelb.cloudmap.internal', 'db-envoy') },
    {
      service: 'yelb-redis',
      config: server('yelb-redis', 6379, 'yelb-redis.yelb.cloudmap.internal', 'redis-envoy'),
    },
    {
      service: 'yelb-appserver',
      loadBalancers: [],
      config: server('yelb-appserver', 4567, 'yelb-appserver.yelb.lb.internal', 'appserver-envoy'),
    },
    {
      service: 'yelb-ui',
      config: { enabled: true, namespace: 'yelb.sc.internal', logConfiguration: logs('ui-envoy') },
    },
  ];
}
