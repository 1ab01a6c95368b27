import { pascalCase } from '../core/names';
import { isInEcr } from '../image-copy/reference';
import { DeployableSystemPlan } from '../model/deployable';
import { ServicePlan } from '../model/plan';
import { LEGACY_CONSTRUCT_ID } from '../contract/names';

/**
 * What the system's stack is made of, read from the plan: every resource the stack's constructs
 * create, by the construct that owns it (the first part of its path, which is also where its
 * logical ID starts) and its CloudFormation type. The resource quota is checked on this before
 * anything is synthesized; the tests hold it to the synthesized templates, owner by owner and
 * type by type, so that a construct that creates one resource more than this says fails a test
 * naming it. No CDK here.
 */

/** One resource of the stack. */
export interface PlannedResource {
  /** The construct id under the stack: `Cluster`, `Appserver`, `Legacy`, `Monitoring`. */
  readonly owner: string;
  readonly type: string;
}

/** What of the app's options changes which resources the system's stack has. */
export interface StackOptions {
  readonly mirrorImages: boolean;
  readonly https: boolean;
  readonly domain: boolean;
  readonly alarmEmail: boolean;
  readonly stage?: string;
  /** Service Connect TLS (`serviceConnectTls`): its key, role and the role's policy, where an endpoint is encrypted. */
  readonly tls?: boolean;
  /** Subnets per subnet type (one per availability zone): a mount target each per data volume. */
  readonly subnets?: number;
}

/** The construct id of a service's construct in the stack: `Appserver`. */
export function serviceConstructId(service: Pick<ServicePlan, 'id'>): string {
  return pascalCase(service.id);
}

/** Every resource of the system's stack for `plan`, as the constructs create them. */
export function plannedResources(plan: DeployableSystemPlan, options: StackOptions): PlannedResource[] {
  const resources: PlannedResource[] = [];
  const add = (owner: string, type: string, count = 1) => {
    for (let i = 0; i < count; i++) resources.push({ owner, type });
  };
  addStackResources(options, add);
  if (plan.services.some((s) => s.deployment.loadBalancerShift)) addTrafficShift(add);
  for (const service of plan.services) addServiceResources(service, options, add);
  addOldPath(plan, add);
  addTeardown(plan, add);
  addMonitoring(plan, options, add);
  addMirror(plan, options, add);
  if (plan.services.some((s) => s.serviceConnect?.endpoint?.tlsCertificateAuthorityArn)) {
    add('ServiceConnectTls', 'AWS::KMS::Key');
    add('ServiceConnectTls', 'AWS::IAM::Role');
    add('ServiceConnectTls', 'AWS::IAM::Policy');
  }
  return resources;
}

type Add = (owner: string, type: string, count?: number) => void;

/** The stack's own: metadata, cluster, logs and their key, the roles, namespaces, the public entry. */
function addStackResources(options: StackOptions, add: Add): void {
  add('CDKMetadata', 'AWS::CDK::Metadata');
  add('Cluster', 'AWS::ECS::Cluster');
  add('Logs', 'AWS::Logs::LogGroup');
  add('LogsKey', 'AWS::KMS::Key');
  add('TaskRole', 'AWS::IAM::Role');
  add('ExecutionRole', 'AWS::IAM::Role');
  add('ExecutionRole', 'AWS::IAM::Policy');
  add('CloudMapNamespace', 'AWS::ServiceDiscovery::PrivateDnsNamespace');
  add('ServiceConnectNamespace', 'AWS::ServiceDiscovery::HttpNamespace');
  add('PublicAlb', 'AWS::EC2::SecurityGroup');
  // To the public entry's tasks.
  add('PublicAlb', 'AWS::EC2::SecurityGroupEgress');
  add('PublicAlb', 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  add('PublicAlb', 'AWS::ElasticLoadBalancingV2::TargetGroup');
  add('PublicAlb', 'AWS::ElasticLoadBalancingV2::Listener', options.https ? 2 : 1);
  if (options.domain) add('PublicAlb', 'AWS::Route53::RecordSet');
}

/** What ECS shifts the public entry's traffic with: an alternate target group, the production listener rule, its role. */
function addTrafficShift(add: Add): void {
  add('PublicAlb', 'AWS::ElasticLoadBalancingV2::TargetGroup');
  add('PublicAlb', 'AWS::ElasticLoadBalancingV2::ListenerRule');
  add('PublicAlb', 'AWS::IAM::Role');
}

/**
 * A service: its ECS service, task definition and security group, an ingress rule per caller and
 * per load balancer in front of it, and its data volume.
 */
function addServiceResources(service: ServicePlan, options: StackOptions, add: Add): void {
  const id = serviceConstructId(service);
  add(id, 'AWS::ECS::Service');
  add(id, 'AWS::ECS::TaskDefinition');
  add(id, 'AWS::EC2::SecurityGroup');
  const behindAlb = service.oldPath.kind === 'internalAlb' && service.oldPath.state === 'attached';
  add(
    id,
    'AWS::EC2::SecurityGroupIngress',
    service.ingress.length + (behindAlb ? 1 : 0) + (service.spec.publicEntry ? 1 : 0)
  );
  if (service.spec.dataVolume) {
    // The file system's security group, the rules between it and the tasks', its access point and
    // a mount target per subnet, the task role that mounts it and its policy.
    add(id, 'AWS::EC2::SecurityGroup');
    add(id, 'AWS::EC2::SecurityGroupIngress');
    add(id, 'AWS::EC2::SecurityGroupEgress');
    add(id, 'AWS::EFS::FileSystem');
    add(id, 'AWS::EFS::AccessPoint');
    add(id, 'AWS::EFS::MountTarget', options.subnets ?? 2);
    add(id, 'AWS::IAM::Role');
    add(id, 'AWS::IAM::Policy');
  }
}

/** The old path: a Cloud Map DNS service per service found there; the internal load balancer while it is attached. */
function addOldPath(plan: DeployableSystemPlan, add: Add): void {
  const owner = LEGACY_CONSTRUCT_ID;
  const dns = plan.services.filter((s) => s.oldPath.kind === 'cloudMapDns');
  add(owner, 'AWS::ServiceDiscovery::Service', dns.length);
  const behindAlb = plan.services.filter(
    (s) => s.oldPath.kind === 'internalAlb' && s.oldPath.state === 'attached'
  );
  if (behindAlb.length === 0) return;
  add(owner, 'AWS::EC2::SecurityGroup');
  add(owner, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  add(owner, 'AWS::Route53::HostedZone');
  const ports = new Set<number>();
  // From each caller on each port it reaches through the load balancer: one rule per pair.
  const callerPorts = new Set<string>();
  for (const service of behindAlb) {
    const port = service.oldPath.kind === 'internalAlb' ? service.oldPath.port : 0;
    add(owner, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    // The first service on a port has the listener, a later one a host rule on it.
    add(
      owner,
      ports.has(port) ? 'AWS::ElasticLoadBalancingV2::ListenerRule' : 'AWS::ElasticLoadBalancingV2::Listener'
    );
    ports.add(port);
    add(owner, 'AWS::Route53::RecordSet');
    // To the service's tasks.
    add(owner, 'AWS::EC2::SecurityGroupEgress');
    for (const caller of service.callers) callerPorts.add(`${caller}:${port}`);
  }
  add(owner, 'AWS::EC2::SecurityGroupIngress', callerPorts.size);
}

/**
 * The teardown: its handlers and the provider framework's functions with their roles, policies,
 * log groups and waiter, the namespace's drain, and a guard per Cloud Map DNS service. Its
 * handler's policy names every service and DNS service: past an inline policy's size the CDK
 * moves the overflow into managed policies, about one per 50 names (calibrated on generated
 * topologies; never below the synthesized count).
 */
function addTeardown(plan: DeployableSystemPlan, add: Add): void {
  const dns = plan.services.filter((s) => s.oldPath.kind === 'cloudMapDns').length;
  add('Teardown', 'AWS::IAM::Role', 5);
  add('Teardown', 'AWS::IAM::Policy', 5);
  add('Teardown', 'AWS::Lambda::Function', 5);
  add('Teardown', 'AWS::Logs::LogGroup', 2);
  add('Teardown', 'AWS::StepFunctions::StateMachine');
  add('Teardown', 'Custom::ServiceConnectDrain');
  add('Teardown', 'Custom::CloudMapServiceDrain', dns);
  add('Teardown', 'Custom::DeploymentAlarmsSettled', plan.settles.length);
  add('Teardown', 'AWS::IAM::ManagedPolicy', Math.floor((plan.services.length + dns) / 50));
}

/** The dashboard, the deployment alarms, its own alarms (a tasks alarm per service), the notifications. */
function addMonitoring(plan: DeployableSystemPlan, options: StackOptions, add: Add): void {
  add('Monitoring', 'AWS::CloudWatch::Dashboard');
  add('Monitoring', 'AWS::CloudWatch::Alarm', plan.alarms.length + 2 + plan.services.length);
  if (options.alarmEmail) {
    add('Monitoring', 'AWS::SNS::Topic');
    add('Monitoring', 'AWS::SNS::TopicPolicy');
    add('Monitoring', 'AWS::SNS::Subscription');
  }
}

/** The image copier, and a repository and a copy per image from outside ECR. */
function addMirror(plan: DeployableSystemPlan, options: StackOptions, add: Add): void {
  const images = new Set(plan.services.map((s) => s.spec.image).filter((image) => !isInEcr(image)));
  if (!options.mirrorImages || images.size === 0) return;
  add('Mirror', 'AWS::EC2::SecurityGroup');
  add('Mirror', 'AWS::IAM::Role', 2);
  add('Mirror', 'AWS::IAM::Policy', 2);
  add('Mirror', 'AWS::Lambda::Function', 2);
  add('Mirror', 'AWS::Logs::LogGroup');
  add('Mirror', 'AWS::ECR::Repository', images.size);
  add('Mirror', 'Custom::ImageCopy', images.size);
}

/** `Owner Type: n` lines, sorted: how the tests compare an inventory with a template. */
export function resourceCensus(resources: readonly PlannedResource[]): Record<string, number> {
  const census: Record<string, number> = {};
  for (const r of resources) {
    const key = `${r.owner} ${r.type}`;
    census[key] = (census[key] ?? 0) + 1;
  }
  return Object.fromEntries(
    Object.entries(census)
      .filter(([, n]) => n > 0)
      .sort(([a], [b]) => a.localeCompare(b))
  );
}
