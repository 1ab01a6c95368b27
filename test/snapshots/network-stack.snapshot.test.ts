import { MIGRATION_PHASES } from '../../lib/model/phase';
import { templatesOf } from '../support/app';
import { normalized } from './normalize';

// Fixed context: cdk.json's feature flags and the phase flags only; environment-agnostic.
test.each(MIGRATION_PHASES)('network stack, %s phase', (phase) => {
  expect(normalized(templatesOf(phase).network.toJSON())).toMatchSnapshot();
});
