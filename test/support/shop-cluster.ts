import { LiveCluster, LiveService } from './live-cluster';

/**
 * A cluster that is not Yelb, as a team runs it before the migration: 14 services found through
 * a Cloud Map DNS namespace (`shop.local`), an internal Application Load Balancer (a default
 * action, a host rule, a path rule) and an internal Network Load Balancer, with alias records in
 * the private zone `shop.internal`. It has what real clusters have: ports without names, two
 * ports named `http`, a port speaking HTTP without an app protocol, TCP services, a call cycle
 * (orders ↔ payments), a client-only worker that takes an address as a command argument, a
 * sidecar, a Cloud Map name nobody in the cluster calls (reports: a Lambda function does), a
 * service called by two names, a name another cluster registered, an address in a secret, a
 * service that logs to no CloudWatch group (worker), and values that look like addresses and are
 * not services of the cluster.
 */
export const SHOP: LiveCluster = {
  cluster: 'shop',
  vpc: 'vpc-0shop',
  zone: 'shop.internal',
  logGroups: ['/ecs/shop', '/ecs/batch'],
  loadBalancers: [
    { name: 'shop-public', scheme: 'internet-facing' },
    { name: 'shop-internal', scheme: 'internal', idleTimeout: 60 },
    { name: 'shop-nlb', scheme: 'internal', type: 'network' },
  ],
  foreignNames: [{ namespace: 'shop.local', name: 'ledger', cluster: 'finance' }],
  services: [
    {
      name: 'web',
      desiredCount: 3,
      containers: [
        {
          name: 'web',
          image: 'public.ecr.aws/nginx/nginx:1.27',
          ports: [{ containerPort: 80 }],
          environment: { API_URL: 'http://api.shop.internal' },
          healthCheck: ['CMD-SHELL', 'curl -fs http://127.0.0.1/ || exit 1'],
          logGroup: '/ecs/shop',
        },
      ],
      public: { lb: 'shop-public', listenerPort: 80, healthCheckPath: '/' },
    },
    {
      name: 'api',
      desiredCount: 2,
      containers: [
        {
          name: 'app',
          image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api:2.4.1',
          ports: [{ containerPort: 8080 }],
          environment: {
            ORDERS_URL: 'http://orders.shop.local:8080',
            CATALOG_URL: 'http://catalog.shop.internal',
            SESSION_REDIS: 'sessions.shop.local:6379',
            DB_PASSWORD: 'hunter2',
            SENTRY_DSN: 'https://abc123@o1.ingest.sentry.io/42',
            LOG_LEVEL: 'info',
          },
          healthCheck: ['CMD-SHELL', 'wget -qO- http://127.0.0.1:8080/health || exit 1'],
          logGroup: '/ecs/shop',
        },
        {
          name: 'log-router',
          image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable',
          essential: false,
        },
      ],
      internal: {
        lb: 'shop-internal',
        listenerPort: 80,
        aliases: ['api.shop.internal', 'api-legacy.shop.internal'],
        healthCheckPath: '/health',
      },
      target: { container: 'app', port: 8080 },
    },
    {
      name: 'orders',
      desiredCount: 2,
      containers: [
        {
          name: 'orders',
          image: 'shop/orders:7',
          ports: [{ containerPort: 8080, name: 'orders-http', appProtocol: 'http' }],
          environment: {
            PAYMENTS_HOST: 'payments.shop.local',
            INVENTORY: 'http://inventory.shop.local:8080',
            DATABASE_URL: 'postgresql://app@orders-db.shop.local:5432/orders',
            NOTIFY: 'notifications.shop.local:8080',
            LEDGER: 'ledger.shop.local:7000',
          },
          healthCheck: ['CMD', '/bin/health'],
          logGroup: '/ecs/shop',
        },
      ],
      cloudMap: { namespace: 'shop.local', name: 'orders' },
    },
    {
      name: 'payments',
      containers: [
        {
          name: 'payments',
          image: 'shop/payments:3',
          ports: [{ containerPort: 8080, name: 'http' }],
          environment: { ORDERS_CALLBACK: 'http://orders.shop.local:8080/payments/callback' },
          healthCheck: ['CMD', '/bin/health'],
          logGroup: '/ecs/shop',
        },
      ],
      cloudMap: { namespace: 'shop.local', name: 'payments' },
    },
    {
      name: 'inventory',
      containers: [
        {
          name: 'inventory',
          image: 'shop/inventory:12',
          ports: [{ containerPort: 8080, name: 'http' }],
          environment: { CATALOG: 'http://catalog.shop.internal', SEARCH: 'search.shop.internal:9200' },
          healthCheck: ['CMD', '/bin/health'],
          logGroup: '/ecs/shop',
        },
      ],
      cloudMap: { namespace: 'shop.local', name: 'inventory' },
    },
    {
      name: 'catalog',
      containers: [
        {
          name: 'catalog',
          image: 'shop/catalog:5',
          ports: [{ containerPort: 3000 }],
          environment: { SEARCH_ENDPOINT: 'search.shop.internal:9200' },
          logGroup: '/ecs/shop',
        },
      ],
      internal: {
        lb: 'shop-internal',
        listenerPort: 80,
        host: 'catalog.shop.internal',
        aliases: ['catalog.shop.internal'],
        healthCheckPath: '/ping',
      },
    },
    {
      name: 'search',
      containers: [
        {
          name: 'search',
          image: 'opensearchproject/opensearch:2.17.0',
          ports: [{ containerPort: 9200 }, { containerPort: 9300 }],
          healthCheck: ['CMD-SHELL', 'curl -fs localhost:9200/_cluster/health'],
          logGroup: '/ecs/shop',
        },
      ],
      internal: { lb: 'shop-nlb', listenerPort: 9200, protocol: 'TCP', aliases: ['search.shop.internal'] },
      target: { container: 'search', port: 9200 },
    },
    {
      name: 'orders-db',
      containers: [
        {
          name: 'postgres',
          image: 'public.ecr.aws/docker/library/postgres:16',
          ports: [{ containerPort: 5432 }],
          healthCheck: ['CMD-SHELL', 'pg_isready -U postgres'],
          logGroup: '/ecs/shop',
        },
      ],
      cloudMap: { namespace: 'shop.local', name: 'orders-db' },
    },
    {
      name: 'sessions',
      containers: [
        {
          name: 'redis',
          image: 'public.ecr.aws/docker/library/redis:7.2',
          ports: [{ containerPort: 6379, name: 'redis' }],
          healthCheck: ['CMD', 'redis-cli', 'ping'],
          logGroup: '/ecs/shop',
        },
      ],
      cloudMap: { namespace: 'shop.local', name: 'sessions' },
    },
    {
      name: 'notifications',
      containers: [
        {
          name: 'notifications',
          image: 'shop/notifications:1',
          ports: [{ containerPort: 8080, name: 'notifications' }],
          secrets: ['SMTP_PASSWORD'],
          healthCheck: ['CMD', '/bin/health'],
          logGroup: '/ecs/shop',
        },
      ],
      cloudMap: { namespace: 'shop.local', name: 'notifications' },
    },
    {
      name: 'worker',
      desiredCount: 2,
      containers: [
        {
          name: 'worker',
          image: 'shop/worker:9',
          command: ['worker', '--queue', 'orders', 'http://api.shop.internal'],
          environment: { INVENTORY_URL: 'http://inventory.shop.local:8080', CONFIG: 'logback.xml' },
          // No awslogs: it logs elsewhere (its Service Connect proxy will log to the file's group).
        },
      ],
    },
    {
      name: 'reports',
      containers: [
        {
          name: 'reports',
          image: 'shop/reports:2',
          ports: [{ containerPort: 8080 }],
          healthCheck: ['CMD', '/bin/health'],
          logGroup: '/ecs/shop',
        },
      ],
      cloudMap: { namespace: 'shop.local', name: 'reports' },
    },
    {
      name: 'admin',
      containers: [
        { name: 'admin', image: 'shop/admin:1', ports: [{ containerPort: 8000 }], logGroup: '/ecs/shop' },
      ],
      internal: { lb: 'shop-internal', listenerPort: 80, path: '/admin/*', healthCheckPath: '/admin/health' },
    },
    {
      name: 'legacy-batch',
      containers: [
        {
          name: 'batch',
          image: 'shop/batch:1',
          environment: {
            API: 'http://api-legacy.shop.internal',
            UPSTREAM: 'http://partner.example.com:8443',
          },
          logGroup: '/ecs/batch',
        },
      ],
    },
  ],
};

/**
 * A generated cluster of `count` services for the benchmark: layers of HTTP services behind
 * Cloud Map names and an internal load balancer (every fifth), each calling two of the next
 * layer, down to TCP stores; a quarter of the ports without names.
 */
export function generatedCluster(count: number): LiveCluster {
  const layers = 5;
  const perLayer = Math.ceil(count / layers);
  const services: LiveService[] = [];
  for (let i = 0; i < count; i += 1) {
    const layer = Math.floor(i / perLayer);
    const last = layer === layers - 1;
    const next = (k: number) => (layer + 1) * perLayer + ((i * 2 + k) % perLayer);
    const calls = last ? [] : [next(0), next(1)].filter((n) => n < count);
    const name = `svc-${i}`;
    const behindLb = !last && i % 5 === 0;
    services.push({
      name,
      containers: [
        {
          name,
          image: `shop/${name}:1`,
          ports: [{ containerPort: last ? 6379 : 8080, ...(i % 4 !== 0 && { name: `${name}-port` }) }],
          environment: Object.fromEntries(
            calls.map((n) => [
              `SVC_${n}_URL`,
              n % 5 === 0 && n < (layers - 1) * perLayer
                ? `http://svc-${n}.gen.internal`
                : `svc-${n}.gen.local:${n >= (layers - 1) * perLayer ? 6379 : 8080}`,
            ])
          ),
          healthCheck: ['CMD', '/bin/health'],
          logGroup: '/ecs/gen',
        },
      ],
      ...(behindLb
        ? {
            internal: {
              lb: 'gen-internal',
              listenerPort: 80,
              host: `${name}.gen.internal`,
              aliases: [`${name}.gen.internal`],
            },
          }
        : { cloudMap: { namespace: 'gen.local', name } }),
    });
  }
  return {
    cluster: 'gen',
    vpc: 'vpc-0gen',
    zone: 'gen.internal',
    logGroups: ['/ecs/gen'],
    loadBalancers: [{ name: 'gen-internal', scheme: 'internal' }],
    services,
  };
}
