import { NagMessageLevel } from 'cdk-nag';
import { MigrationRule, ecsServiceRule } from './rule';

/** Every ECS service's tasks run without public addresses. */
export const PRIVATE_TASKS: MigrationRule = {
  id: 'NW1',
  info: "The ECS service's tasks get public IP addresses.",
  explanation:
    'The tasks run in the private subnets and are reached through the load balancers and Service Connect only; their pulls and logs leave through the NAT gateways.',
  level: NagMessageLevel.ERROR,
  check: ecsServiceRule((s) => {
    const network = s.networkConfiguration as
      { awsvpcConfiguration?: { assignPublicIp?: string } } | undefined;
    return network?.awsvpcConfiguration?.assignPublicIp === 'DISABLED';
  }),
};
