import { NagMessageLevel } from 'cdk-nag';
import { MigrationRule, ecsServiceRule } from './rule';

/** Every ECS service states its Service Connect configuration: on, or `Enabled: false`. */
export const SERVICE_CONNECT_STATED: MigrationRule = {
  id: 'SC1',
  info: 'The ECS service does not state its ServiceConnectConfiguration.',
  explanation:
    'CloudFormation leaves a live setting alone when its property is absent: a template without it would leave Service Connect on after a rollback. Off is stated as Enabled: false.',
  level: NagMessageLevel.ERROR,
  check: ecsServiceRule((s) => {
    const config = s.serviceConnectConfiguration as { enabled?: unknown } | undefined;
    return config !== undefined && typeof config.enabled === 'boolean';
  }),
};
