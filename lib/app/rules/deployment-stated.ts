import { NagMessageLevel } from 'cdk-nag';
import { MigrationRule, ecsServiceRule } from './rule';

/**
 * Every ECS service states how it deploys: its strategy, its alarms (on or off), the circuit
 * breaker with rollback, and a health-check grace period; and no deployment controller.
 */
export const DEPLOYMENT_STATED: MigrationRule = {
  id: 'DP1',
  info: 'The ECS service does not state its deployment strategy, deployment alarms, circuit breaker with rollback and health-check grace period, or it names a deployment controller.',
  explanation:
    'An absent sub-property of DeploymentConfiguration means "unchanged" to ECS (aws-cdk#27131): a gradual strategy or an alarm would stay as the previous deployment set it. A changed DeploymentController replaces the service, which fails with a fixed name.',
  level: NagMessageLevel.ERROR,
  check: ecsServiceRule((s) => {
    const d = s.deploymentConfiguration as
      | {
          strategy?: string;
          alarms?: { enable?: boolean; alarmNames?: string[] };
          deploymentCircuitBreaker?: { enable?: boolean; rollback?: boolean };
        }
      | undefined;
    return (
      typeof d?.strategy === 'string' &&
      typeof d.alarms?.enable === 'boolean' &&
      Array.isArray(d.alarms.alarmNames) &&
      d.deploymentCircuitBreaker?.enable === true &&
      d.deploymentCircuitBreaker.rollback === true &&
      typeof s.healthCheckGracePeriodSeconds === 'number' &&
      s.deploymentController === undefined
    );
  }),
};
