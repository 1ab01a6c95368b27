import { Topology } from './topology';

/**
 * Yelb as the walkthrough deploys it: a web front end behind a public load balancer, an
 * application server behind an internal load balancer and a private hosted zone, and Postgres
 * and Redis found through Cloud Map DNS.
 */
export const YELB: Topology = {
  name: 'yelb',
  title: 'Yelb sample',
  clusterName: 'yelb-cluster',
  logGroupName: 'ecs/serviceconnectdemo',
  cloudMapDnsNamespace: 'yelb.cloudmap.internal',
  internalZoneName: 'yelb.lb.internal',
  serviceConnectNamespace: 'yelb.sc.internal',
  // ECR Public: no Docker Hub pull limits; busybox is about 2 MB.
  readinessGateImage: 'public.ecr.aws/docker/library/busybox:1.37',
  services: [
    {
      name: 'yelb-ui',
      id: 'ui',
      image: 'mreferre/yelb-ui:0.10',
      port: 80,
      portName: 'yelb-ui',
      appProtocol: 'http',
      desiredCount: 3,
      cpu: 256,
      memoryMiB: 512,
      // nginx resolves this name once, when it starts (no `resolver` directive).
      calls: [{ service: 'yelb-appserver', env: 'YELB_APPSERVER_ENDPOINT', format: 'url' }],
      legacyDiscovery: { kind: 'none' },
      // The traffic reads every count (ui → appserver → db); the votes are Yelb's data check.
      publicEntry: {
        port: 80,
        healthCheckPath: '/',
        trafficPath: '/api/getvotes',
        dataCheck: { kind: 'yelbVotes' },
      },
    },
    {
      name: 'yelb-appserver',
      id: 'appserver',
      image: 'mreferre/yelb-appserver:0.7',
      port: 4567,
      portName: 'yelb-appserver',
      appProtocol: 'http',
      desiredCount: 3,
      cpu: 256,
      memoryMiB: 512,
      // RACK_ENV=custom makes the app read the two endpoints below.
      environment: { RACK_ENV: 'custom' },
      calls: [
        { service: 'yelb-db', env: 'YELB_DB_SERVER_ENDPOINT', format: 'host' },
        { service: 'yelb-redis', env: 'REDIS_SERVER_ENDPOINT', format: 'host' },
      ],
      // /api/hostname is the only endpoint that does not touch Postgres or Redis.
      legacyDiscovery: { kind: 'internalAlb', healthCheckPath: '/api/hostname' },
      // Ruby is what the image certainly has: no curl needed. /api/hostname needs no database.
      healthCheck: {
        command:
          'ruby -rnet/http -e \'exit Net::HTTP.get_response(URI("http://127.0.0.1:4567/api/hostname")).is_a?(Net::HTTPSuccess)\'',
        startPeriodSeconds: 30,
      },
      // Per request: 15 s, well under nginx's 60 s proxy_read_timeout, so a stuck request
      // fails in the proxy with a 504 that the dashboard counts. Idle: 60 s, the idle timeout
      // of the internal ALB it replaces, instead of the proxy's 5 min default.
      timeouts: { perRequestSeconds: 15, idleSeconds: 60 },
    },
    {
      name: 'yelb-db',
      id: 'db',
      image: 'mreferre/yelb-db:0.6',
      port: 5432,
      portName: 'yelb-db',
      desiredCount: 1,
      singleton: true,
      cpu: 256,
      memoryMiB: 512,
      calls: [],
      legacyDiscovery: { kind: 'cloudMapDns' },
      // The official postgres image: user postgres is 999:999. A subdirectory of the mount as
      // PGDATA, as the image's documentation recommends for mounted volumes.
      dataVolume: {
        path: '/var/lib/postgresql/data',
        uid: 999,
        gid: 999,
        directory: '/var/lib/postgresql/data/pgdata',
        directoryEnvironment: 'PGDATA',
        // The postgres image's ENTRYPOINT and CMD: initdb and /docker-entrypoint-initdb.d run as before.
        command: ['docker-entrypoint.sh', 'postgres'],
      },
      // Over TCP, as clients connect; the first start runs initdb and the init script first.
      healthCheck: { command: 'pg_isready -h 127.0.0.1 -p 5432 -U postgres', startPeriodSeconds: 120 },
      // TCP: one hour, the documented default, stated so that it is a decision.
      timeouts: { idleSeconds: 3600 },
    },
    {
      name: 'yelb-redis',
      id: 'redis',
      image: 'public.ecr.aws/docker/library/redis:5.0.14',
      port: 6379,
      portName: 'yelb-redis',
      desiredCount: 1,
      singleton: true,
      cpu: 256,
      memoryMiB: 512,
      calls: [],
      legacyDiscovery: { kind: 'cloudMapDns' },
      // A cache of page views: losing it on a task replacement costs a counter, so it stays
      // on the task's own storage.
      healthCheck: { command: 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG', startPeriodSeconds: 10 },
      timeouts: { idleSeconds: 3600 },
    },
  ],
};
