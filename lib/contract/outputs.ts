import { pascalCase } from '../core/names';

/**
 * The contract between the CDK app and the CLIs, which read the deployed stack's outputs
 * (`DescribeStacks`) and never load the CDK. No CDK imports here.
 */

/** Output keys of the system's stack (`Yelb`). */
export const SYSTEM_OUTPUTS = {
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
  /** The app's options for every Service Connect configuration (JSON, `appOptionsSchema`). */
  serviceConnectOptions: 'ServiceConnectOptions',
} as const;

/** Output holding the ECS service name of the service with model id `id`: `UiServiceName`. */
export function serviceNameOutput(id: string): string {
  return `${pascalCase(id)}ServiceName`;
}

/**
 * Output holding the EFS file system ID of the data volume of the service with model id `id`:
 * `DbDataFileSystemId` (its backups outlive the stack, see the README's cleanup).
 */
export function dataFileSystemOutput(id: string): string {
  return `${pascalCase(id)}DataFileSystemId`;
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
