import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { CDK_JSON_CONTEXT } from '../support/app';

test('cdk.json sets every currently recommended feature flag, to its recommended value', () => {
  const unset = Object.entries(CURRENTLY_RECOMMENDED_FLAGS).filter(
    ([flag, value]) => JSON.stringify(CDK_JSON_CONTEXT[flag]) !== JSON.stringify(value)
  );
  expect(unset).toEqual([]);
  // The two flags this app depends on, named: no DeploymentController (it would replace the
  // services), and LoadBalancers: [] rendered when a service leaves its target groups.
  expect(CDK_JSON_CONTEXT['@aws-cdk/aws-ecs:disableExplicitDeploymentControllerForCircuitBreaker']).toBe(
    true
  );
  expect(CDK_JSON_CONTEXT['@aws-cdk/aws-ecs:removeEmptyLoadBalancers']).toBe(true);
});
