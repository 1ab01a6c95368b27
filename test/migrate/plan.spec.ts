import { planApply, planRollback } from '../../lib/migrate/plan';
import { SC_UPDATE_DIR, loadScUpdates } from '../../lib/migrate/sc-files';
import { YELB } from '../../lib/model/yelb';
import { defaultPlanOptions } from '../../lib/model/plan';
import { readTopologyFile } from '../../lib/model/topology-file';

const updates = loadScUpdates(SC_UPDATE_DIR, YELB);
const target = {
  cluster: 'c',
  region: 'eu-west-1',
  namespace: 'yelb.sc.internal',
  options: defaultPlanOptions('serviceConnect'),
};
const names = (waves: ReturnType<typeof planApply>) =>
  waves.map((w) => w.updates.map((u) => u.input.service));

describe('planApply and planRollback', () => {
  test('applies servers first: db and redis, then appserver, then ui', () => {
    expect(names(planApply(YELB, target, updates))).toEqual([
      ['yelb-db', 'yelb-redis'],
      ['yelb-appserver'],
      ['yelb-ui'],
    ]);
  });

  test('rolls back clients first, with enabled false only', () => {
    const waves = planRollback(YELB, target);
    expect(names(waves)).toEqual([['yelb-ui'], ['yelb-appserver'], ['yelb-db', 'yelb-redis']]);
    for (const u of waves.flatMap((w) => w.updates))
      expect(u.input.serviceConnectConfiguration).toEqual({ enabled: false });
  });

  test('fills in the region, and the namespace and log group when known, without touching the files', () => {
    const [
      {
        updates: [db],
      },
    ] = planApply(YELB, { ...target, namespace: 'arn:ns', logGroupName: '/custom' }, updates);
    expect(db.input.serviceConnectConfiguration!.namespace).toBe('arn:ns');
    expect(db.input.serviceConnectConfiguration!.logConfiguration!.options).toEqual({
      'awslogs-group': '/custom',
      'awslogs-stream-prefix': 'db-envoy',
      'awslogs-region': 'eu-west-1',
    });
    expect(updates[2].config.logConfiguration!.options['awslogs-region']).toBeUndefined();
    expect(updates[2].config.namespace).toBe('yelb.sc.internal');
  });

  test('derives the configuration from the topology when no file overrides it: the same as the files', () => {
    expect(planApply(YELB, target)).toEqual(planApply(YELB, target, updates));
  });

  test('gives a cycle of calls only to the wave that holds its members', () => {
    const shop = readTopologyFile('examples/shop.topology.json');
    const waves = planApply(shop, { ...target, namespace: shop.serviceConnectNamespace });
    const withCycles = waves.filter((w) => w.cycles.length > 0);
    expect(withCycles).toHaveLength(1);
    expect(withCycles[0].cycles).toEqual([['catalog', 'search']]);
    expect(withCycles[0].updates.map((u) => u.service.name)).toEqual(
      expect.arrayContaining(['catalog', 'search'])
    );
  });
});
