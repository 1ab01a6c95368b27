import { MIGRATION_PHASES } from '../../lib/model/phase';
import { DEPLOYMENT_ALARM_DEFAULTS } from '../../lib/model/alarms';
import { DEFAULT_BAKE_MINUTES, strategyOf } from '../../lib/model/deployment';
import {
  PlanOptions,
  ServicePlan,
  defaultPlanOptions,
  deployedPartOf,
  planSystem,
  servicePlan,
  tlsRefusal,
} from '../../lib/model/plan';
import { Topology } from '../../lib/model/topology';
import { YELB } from '../../lib/model/yelb';

/** The plan as a pure function: what each service is in each phase, without a synth. */

/** Yelb with a second HTTP server that has an old name but nobody calls. */
const WITH_UNCALLED: Topology = {
  ...YELB,
  services: [
    ...YELB.services,
    {
      name: 'yelb-admin',
      id: 'admin',
      port: 8080,
      portName: 'yelb-admin',
      appProtocol: 'http',
      calls: [],
      legacyDiscovery: { kind: 'cloudMapDns' },
    },
  ],
};

describe('deployment strategies', () => {
  const retired = (topology: Topology, name: string, strategy: 'blueGreen' | 'linear') =>
    strategyOf(
      topology,
      topology.services.find((s) => s.name === name)!,
      'retired',
      strategy
    );

  test('a gradual strategy goes to an HTTP server behind Service Connect that others call', () => {
    expect(retired(YELB, 'yelb-appserver', 'linear')).toEqual({ strategy: 'linear' });
  });

  test('an HTTP server with an old name but no caller stays rolling: there is no traffic to shift', () => {
    expect(retired(WITH_UNCALLED, 'yelb-admin', 'blueGreen')).toEqual({
      strategy: 'rolling',
      reason: 'nobody calls it through Service Connect: there is no traffic for ECS to shift',
    });
  });

  test('a gradual plan states its bake time (the ECS API requires it for blue/green), a rolling one none', () => {
    const options: PlanOptions = { ...defaultPlanOptions('retired'), deployment: { strategy: 'blueGreen' } };
    const plan = planSystem(YELB, options);
    expect(servicePlan(plan, 'yelb-appserver').deployment).toMatchObject({
      strategy: 'blueGreen',
      bakeMinutes: DEFAULT_BAKE_MINUTES,
    });
    expect(servicePlan(plan, 'yelb-redis').deployment).not.toHaveProperty('bakeMinutes');
  });

  test('the public entry deploys with the chosen strategy once retired, over its load balancer', () => {
    expect(retired(YELB, 'yelb-ui', 'linear')).toEqual({ strategy: 'linear' });
    const options: PlanOptions = { ...defaultPlanOptions('retired'), deployment: { strategy: 'blueGreen' } };
    expect(servicePlan(planSystem(YELB, options), 'yelb-ui').deployment).toMatchObject({
      strategy: 'blueGreen',
      bakeMinutes: DEFAULT_BAKE_MINUTES,
      loadBalancerShift: { reason: expect.stringMatching(/in every phase and with every strategy/) },
    });
  });

  test.each(['discovery', 'serviceConnect', 'retired'] as const)(
    '%s, rolling: the public entry has the alternate target group all the same, and no other service has one',
    (phase) => {
      const plan = planSystem(YELB, defaultPlanOptions(phase));
      const shifts = plan.services.filter((s) => s.deployment.loadBalancerShift).map((s) => s.spec.name);
      expect(shifts).toEqual(['yelb-ui']);
      expect(servicePlan(plan, 'yelb-ui').deployment.strategy).toBe('rolling');
    }
  );

  test('a public entry that is a singleton stays rolling, with the reason, and gets no alternate target group', () => {
    const singleUi: Topology = {
      ...YELB,
      services: YELB.services.map((s) => (s.name === 'yelb-ui' ? { ...s, singleton: true } : s)),
    };
    expect(retired(singleUi, 'yelb-ui', 'blueGreen')).toEqual({
      strategy: 'rolling',
      reason: expect.stringMatching(/^a singleton/),
    });
    const plan = planSystem(singleUi, {
      ...defaultPlanOptions('retired'),
      deployment: { strategy: 'canary' },
    });
    expect(servicePlan(plan, 'yelb-ui').deployment.loadBalancerShift).toBeUndefined();
  });
});

describe('deployment alarms', () => {
  test.each(['discovery', 'serviceConnect', 'retired'] as const)(
    "%s: the database's planned restart watches no alarm fed by its callers' errors, with the reason",
    (phase) => {
      const db = servicePlan(planSystem(YELB, defaultPlanOptions(phase)), 'yelb-db').deployment;
      expect(db.plannedOutage).toMatch(/the old task stops before the new one starts/);
      expect(db.alarms).toEqual({
        names: ['yelb-cluster-deploy-public-target-5xx', 'yelb-cluster-deploy-public-p99'],
        enabled: false,
        reason: expect.stringMatching(/^not watched: a planned outage .*circuit breaker guard it$/),
      });
    }
  );

  test('every other service watches the public alarms, the appserver its own too once Service Connect has its metrics', () => {
    const watched = (phase: 'discovery' | 'serviceConnect', name: string) =>
      servicePlan(planSystem(YELB, defaultPlanOptions(phase)), name).deployment.alarms;
    expect(watched('discovery', 'yelb-appserver')).toMatchObject({ enabled: true, names: expect.any(Array) });
    expect(watched('discovery', 'yelb-appserver').names).toHaveLength(2);
    expect(watched('serviceConnect', 'yelb-appserver').names).toEqual([
      'yelb-cluster-deploy-public-target-5xx',
      'yelb-cluster-deploy-public-p99',
      'yelb-cluster-deploy-yelb-appserver-service-connect-5xx',
      'yelb-cluster-deploy-yelb-appserver-service-connect-p99',
    ]);
    expect(watched('serviceConnect', 'yelb-redis')).toMatchObject({ enabled: true });
  });

  test("a topology's own thresholds reach every alarm", () => {
    const plan = planSystem(
      { ...YELB, deploymentAlarms: { errorsPerMinute: 50, p99Seconds: 5 } },
      defaultPlanOptions('retired')
    );
    expect(plan.alarms.map((a) => [a.kind, a.threshold])).toEqual([
      ['publicTarget5xx', 50],
      ['publicP99', 5],
      ['serviceConnect5xx', 50],
      ['serviceConnectP99', 5],
    ]);
    expect(planSystem(YELB, defaultPlanOptions('retired')).alarms[0].threshold).toBe(
      DEPLOYMENT_ALARM_DEFAULTS.errorsPerMinute
    );
  });
});

describe('TLS', () => {
  const svc = (name: string) => YELB.services.find((s) => s.name === name)!;

  test.each(['discovery', 'serviceConnect'] as const)(
    'is refused for every server in the %s phase (the old path is plain text)',
    (phase) => {
      expect(tlsRefusal(svc('yelb-db'), phase)).toMatch(/keeps the old path/);
    }
  );

  test('is refused for the public entry in every phase, allowed for the others once retired', () => {
    expect(tlsRefusal(svc('yelb-ui'), 'retired')).toMatch(/public load balancer sends plain HTTP/);
    expect(tlsRefusal(svc('yelb-appserver'), 'retired')).toBeUndefined();
  });
});

describe('what of a plan a service is deployed with (deployedPartOf)', () => {
  const plans = MIGRATION_PHASES.flatMap((phase) => planSystem(YELB, defaultPlanOptions(phase)).services);
  const withDeployment = (svc: ServicePlan, change: Partial<ServicePlan['deployment']>): ServicePlan => ({
    ...svc,
    deployment: { ...svc.deployment, ...change },
  });

  test.each(plans.map((p) => [p.spec.name, p] as const))(
    '%s: leaves out the reasons, so that rewording one deploys nothing',
    (_name, svc) => {
      const reworded = withDeployment(svc, {
        reason: 'reworded',
        plannedOutage: 'reworded',
        alarms: { ...svc.deployment.alarms, reason: 'reworded' },
      });
      expect(deployedPartOf(reworded)).toEqual(deployedPartOf(svc));
    }
  );

  test.each(plans.map((p) => [p.spec.name, p] as const))(
    '%s: keeps what ECS deploys: the alarms watched, the strategy, the Service Connect configuration, the old path',
    (_name, svc) => {
      const base = deployedPartOf(svc);
      const alarms = { ...svc.deployment.alarms, enabled: !svc.deployment.alarms.enabled };
      expect(deployedPartOf(withDeployment(svc, { alarms }))).not.toEqual(base);
      expect(deployedPartOf(withDeployment(svc, { minHealthyPercent: 42 }))).not.toEqual(base);
      expect(deployedPartOf({ ...svc, serviceConnect: undefined, environment: { X: '1' } })).not.toEqual(
        base
      );
      expect(deployedPartOf({ ...svc, oldPath: { ...svc.oldPath, x: 1 } as never })).not.toEqual(base);
    }
  );
});
