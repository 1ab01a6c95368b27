import { MIGRATION_PHASES } from '../../lib/model/phase';
import { templatesOf } from '../support/app';
import { normalized } from './normalize';

// Fixed context: cdk.json's feature flags and the phase flags only; the app is
// environment-agnostic, so no account or region leaks in. Update on purpose with
// `npm run test:update` and review the diff.
test.each(MIGRATION_PHASES)('Yelb stack, %s phase', (phase) => {
  expect(normalized(templatesOf(phase).system.toJSON())).toMatchSnapshot();
});
