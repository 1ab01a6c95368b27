import { MIGRATION_PHASES } from '../lib/model/phase';
import { buildApp } from './support/app';

// `cdk synth` leaves the CDK's CloudFormation validation off unless -c validateTemplates=true
// (it triples the synth time); here it runs over every phase, so CI always checks the templates.
describe('CloudFormation template validation', () => {
  test.each(MIGRATION_PHASES)('finds no problem in the %s phase', (phase) => {
    const { app } = buildApp(phase, { validateTemplates: 'true' });
    expect(() => app.synth()).not.toThrow();
  });

  test('fails the synth on a schema error (so the check above can fail)', () => {
    const { app, yelb } = buildApp('discovery', { validateTemplates: 'true' });
    yelb.services.get('yelb-db')!.cfnService.addPropertyOverride('DesiredCounts', 1);
    expect(() => app.synth()).toThrow(/DesiredCounts: Additional properties are not allowed/);
  });

  test('stays off unless asked for, as in a plain cdk synth', () => {
    const { app, yelb } = buildApp('discovery');
    yelb.services.get('yelb-db')!.cfnService.addPropertyOverride('DesiredCounts', 1);
    expect(() => app.synth()).not.toThrow();
  });
});
