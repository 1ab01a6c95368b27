import { NagMessageLevel } from 'cdk-nag';
import { MigrationRule, ecsServiceRule } from './rule';

/** Every ECS service states its registries and load balancers, empty lists included. */
export const OLD_PATH_STATED: MigrationRule = {
  id: 'OP1',
  info: 'The ECS service does not state its ServiceRegistries and LoadBalancers as lists.',
  explanation:
    'An absent property is not an empty list to CloudFormation: it leaves the live registry or target group attached. Retiring the old path detaches it only when the template says [].',
  level: NagMessageLevel.ERROR,
  check: ecsServiceRule((s) => Array.isArray(s.serviceRegistries) && Array.isArray(s.loadBalancers)),
};
