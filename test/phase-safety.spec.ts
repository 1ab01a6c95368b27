import { ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { MIGRATION_PHASES, MigrationPhase } from '../lib/model/phase';
import { replaces, resourceChanges } from '../lib/plan/template-diff';
import { templatesOf } from './support/app';

const STEPS: [MigrationPhase, MigrationPhase][] = MIGRATION_PHASES.flatMap((from) =>
  MIGRATION_PHASES.filter((to) => to !== from).map((to): [MigrationPhase, MigrationPhase] => [from, to])
);

const resourceIds = (phase: MigrationPhase) =>
  Object.keys(templatesOf(phase).system.toJSON().Resources).sort();

describe('logical IDs across phases', () => {
  test('the discovery and serviceConnect phases have the same resources', () => {
    expect(resourceIds('serviceConnect')).toEqual(resourceIds('discovery'));
  });

  test('the retired phase only removes resources, and only those of the old path and its rules', () => {
    const retired = resourceIds('retired');
    const serviceConnect = resourceIds('serviceConnect');
    expect(serviceConnect).toEqual(expect.arrayContaining(retired));
    const removed = serviceConnect.filter((id) => !retired.includes(id));
    // The old path, and the rules that let the callers through it.
    for (const id of removed) expect(id).toMatch(/Legacy/);
    // Not the Cloud Map DNS services, nor their guards: they stay, empty, and a rollback
    // creates nothing of the DNS path again.
    expect(removed.filter((id) => /DnsService/.test(id))).toEqual([]);
    expect(removed.length).toBeGreaterThan(5);
  });

  test('the network stack is the same in every phase', () => {
    const network = MIGRATION_PHASES.map((phase) => templatesOf(phase).network.toJSON());
    expect(network[1]).toEqual(network[0]);
    expect(network[2]).toEqual(network[0]);
  });
});

describe.each(STEPS)('deploying %s over %s', (from, to) => {
  const changes = resourceChanges(templatesOf(from).system.toJSON(), templatesOf(to).system.toJSON());

  test('replaces nothing', () => {
    expect(changes.filter(replaces)).toEqual([]);
  });

  test('updates the ECS services in place', () => {
    const services = changes.filter((c) => c.type === 'AWS::ECS::Service');
    expect(services.length).toBeGreaterThan(0);
    for (const change of services) expect(change.impact).toBe(ResourceImpact.WILL_UPDATE);
  });
});
