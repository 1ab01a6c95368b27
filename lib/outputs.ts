import { pascalCase } from './names';

/**
 * The contract between the CDK app and the CLIs, which read the deployed stack's outputs
 * (`DescribeStacks`) and never load the CDK. No CDK imports here.
 */

/** Stack names of the app. */
export const STACK_NAMES = { network: 'YelbNetwork', yelb: 'Yelb', loadTest: 'YelbLoadTest' } as const;

/** Output keys of the Yelb stack. */
export const YELB_OUTPUTS = {
  appUrl: 'AppUrl',
  clusterName: 'ClusterName',
  logGroupName: 'LogGroupName',
  migrationPhase: 'MigrationPhase',
  dashboardUrl: 'DashboardUrl',
  cloudMapNamespaceName: 'CloudMapNamespaceName',
  cloudMapNamespaceId: 'CloudMapNamespaceId',
  cloudMapNamespaceArn: 'CloudMapNamespaceArn',
  serviceConnectNamespaceName: 'ServiceConnectNamespaceName',
  serviceConnectNamespaceId: 'ServiceConnectNamespaceId',
  serviceConnectNamespaceArn: 'ServiceConnectNamespaceArn',
} as const;

/** Output holding the ECS service name of the service with model id `id`: `UiServiceName`. */
export function serviceNameOutput(id: string): string {
  return `${pascalCase(id)}ServiceName`;
}

/** Output keys of the optional load-test stack, which `traffic --in-vpc` reads. */
export const LOAD_TEST_OUTPUTS = {
  clusterName: 'ClusterName',
  taskDefinitionArn: 'TaskDefinitionArn',
  subnets: 'Subnets',
  securityGroupId: 'SecurityGroupId',
  logGroupName: 'LogGroupName',
  logStreamPrefix: 'LogStreamPrefix',
  containerName: 'ContainerName',
} as const;
