import { planWaves } from '../../lib/migrate/plan';
import { SC_UPDATE_DIR, loadScUpdates } from '../../lib/migrate/sc-files';
import { YELB } from '../../lib/model/yelb';

const updates = loadScUpdates(SC_UPDATE_DIR, YELB);
const target = { cluster: 'c', region: 'eu-west-1' };

describe('planWaves', () => {
  test('applies servers first: db and redis, then appserver, then ui', () => {
    expect(planWaves('apply', YELB, updates, target).map((w) => w.map((u) => u.input.service))).toEqual([
      ['yelb-db', 'yelb-redis'],
      ['yelb-appserver'],
      ['yelb-ui'],
    ]);
  });

  test('rolls back clients first, with enabled false only', () => {
    const waves = planWaves('rollback', YELB, updates, target);
    expect(waves.map((w) => w.map((u) => u.input.service))).toEqual([
      ['yelb-ui'],
      ['yelb-appserver'],
      ['yelb-db', 'yelb-redis'],
    ]);
    for (const u of waves.flat()) expect(u.input.serviceConnectConfiguration).toEqual({ enabled: false });
  });

  test('fills in the region, and the namespace and log group when known, without touching the files', () => {
    const [[db]] = planWaves('apply', YELB, updates, {
      ...target,
      namespace: 'arn:ns',
      logGroupName: '/custom',
    });
    expect(db.input.serviceConnectConfiguration.namespace).toBe('arn:ns');
    expect(db.input.serviceConnectConfiguration.logConfiguration!.options).toEqual({
      'awslogs-group': '/custom',
      'awslogs-stream-prefix': 'db-envoy',
      'awslogs-region': 'eu-west-1',
    });
    expect(updates[2].config.logConfiguration!.options!['awslogs-region']).toBeUndefined();
    expect(updates[2].config.namespace).toBe('yelb.sc.internal');
  });
});
