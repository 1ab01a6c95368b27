import { Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { OldPathPlan } from '../model/old-path';
import { pascalCase } from '../core/names';
import { acknowledgeLoadBalancerPolicies, acknowledgeNoAccessLogs, fastTargetGroup } from './target-group';

/** One service's old path, from its plan. */
export interface OldPathOfService {
  /** The service's name (descriptions). */
  readonly name: string;
  /** The service's id: the construct ids of its pieces (`DbDnsService`, `AppserverListener`). */
  readonly id: string;
  readonly oldPath: OldPathPlan;
}

/** Props of {@link LegacyDiscovery}. */
export interface LegacyDiscoveryProps {
  readonly vpc: ec2.IVpc;
  /**
   * The old path of every service in the phase deployed. In the migration's last phase the
   * internal load balancer's paths are `gone` (the load balancer, its zone and records with them),
   * and the Cloud Map DNS services are `detached`: they stay, empty, so that a rollback does not
   * have to create them again under names a failed deletion may still hold (see
   * `ServiceConnectDrain.guardCloudMapService`).
   */
  readonly services: readonly OldPathOfService[];
  /** The Cloud Map private DNS namespace; it outlives this construct. */
  readonly cloudMapNamespace: servicediscovery.IPrivateDnsNamespace;
  /** The private hosted zone of the internal load balancer's alias records. */
  readonly zoneName: string;
  /** Name of the internal load balancer (fixed, so that its metrics can be found by name). */
  readonly internalAlbName: string;
}

/** The pieces through which callers reach one `internalAlb` service. */
export interface InternalAlbRoute {
  readonly listener: elbv2.ApplicationListener;
  /** The host rule on a listener another service's port opened first. */
  readonly rule?: elbv2.ApplicationListenerRule;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly record: route53.ARecord;
}

/**
 * The pre-migration discovery path that the last phase retires: Cloud Map DNS services (A
 * records, TTL 10 s) for `cloudMapDns` services, and for `internalAlb` services an internal
 * Application Load Balancer with a listener per port callers use (the first service on a port is
 * its default action, a later one gets a host rule for its name), fronted by an alias record in
 * a Route 53 private hosted zone. Every name is the plan's, which is the name the callers'
 * environment holds. The namespaces themselves are not part of it: they stay. Retired, only the
 * DNS services remain, empty: their logical IDs are the same in every phase.
 */
export class LegacyDiscovery extends Construct {
  /** The internal load balancer's security group, when any service uses one. */
  public readonly albSecurityGroup?: ec2.SecurityGroup;
  private readonly dnsServices = new Map<string, servicediscovery.Service>();
  private readonly albRoutes = new Map<string, InternalAlbRoute>();

  constructor(scope: Construct, id: string, props: LegacyDiscoveryProps) {
    super(scope, id);
    const { vpc } = props;

    for (const { name, id: serviceId, oldPath } of props.services) {
      if (oldPath.kind !== 'cloudMapDns') continue;
      this.dnsServices.set(
        name,
        new servicediscovery.Service(this, `${pascalCase(serviceId)}DnsService`, {
          namespace: props.cloudMapNamespace,
          name: oldPath.serviceName,
          description: `${name} tasks (pre-Service Connect discovery)`,
          dnsRecordType: servicediscovery.DnsRecordType.A,
          dnsTtl: Duration.seconds(10),
          customHealthCheck: { failureThreshold: 1 },
        })
      );
    }

    const behindAlb = props.services.flatMap(({ name, id: serviceId, oldPath }) =>
      oldPath.kind === 'internalAlb' && oldPath.state === 'attached' ? [{ name, serviceId, oldPath }] : []
    );
    if (behindAlb.length === 0) return;

    this.albSecurityGroup = new ec2.SecurityGroup(this, 'InternalAlbSecurityGroup', {
      vpc,
      description: 'Internal load balancer of the pre-Service Connect path',
      allowAllOutbound: false,
    });
    const alb = new elbv2.ApplicationLoadBalancer(this, 'InternalAlb', {
      vpc,
      loadBalancerName: props.internalAlbName,
      internetFacing: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: this.albSecurityGroup,
      dropInvalidHeaderFields: true,
    });
    acknowledgeNoAccessLogs(alb);
    acknowledgeLoadBalancerPolicies(alb, 'retiring the old path deletes it');
    const zone = new route53.PrivateHostedZone(this, 'Zone', {
      zoneName: props.zoneName,
      vpc,
      comment: 'Pre-Service Connect names of the services behind the internal load balancer',
    });
    // One listener per port callers use; a later service on the same port gets a host rule.
    const listeners = new Map<number, { listener: elbv2.ApplicationListener; rules: number }>();
    for (const { name, serviceId, oldPath } of behindAlb) {
      const prefix = pascalCase(serviceId);
      if (!oldPath.recordName || !oldPath.healthCheckPath) {
        // validateDeployable refuses both before anything is built.
        throw new Error(
          `${name}: its old name ${oldPath.host} needs a record in ${props.zoneName} and a health-check path`
        );
      }
      const targetGroup = fastTargetGroup(this, `${prefix}TargetGroup`, {
        vpc,
        port: oldPath.targetPort,
        healthCheckPath: oldPath.healthCheckPath,
      });
      // The port and name its callers use: the client alias Service Connect keeps.
      const { listener, rule } = this.listenerTo(alb, listeners, prefix, oldPath, targetGroup);
      const record = new route53.ARecord(this, `${prefix}Record`, {
        zone,
        recordName: oldPath.recordName,
        target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(alb)),
        comment: `${name} through the internal load balancer`,
      });
      this.albRoutes.set(name, { listener, ...(rule && { rule }), targetGroup, record });
    }
  }

  /**
   * The listener on the port of `endpoint`: a new one whose default action is `targetGroup`, or
   * the one an earlier service has, with a host rule that sends the endpoint's name to it.
   */
  private listenerTo(
    alb: elbv2.ApplicationLoadBalancer,
    listeners: Map<number, { listener: elbv2.ApplicationListener; rules: number }>,
    name: string,
    endpoint: { readonly host: string; readonly port: number },
    targetGroup: elbv2.ApplicationTargetGroup
  ): { listener: elbv2.ApplicationListener; rule?: elbv2.ApplicationListenerRule } {
    const shared = listeners.get(endpoint.port);
    if (!shared) {
      const listener = this.listener(alb, `${name}Listener`, endpoint.port, targetGroup);
      listeners.set(endpoint.port, { listener, rules: 0 });
      return { listener };
    }
    shared.rules += 1;
    const rule = new elbv2.ApplicationListenerRule(this, `${name}Rule`, {
      listener: shared.listener,
      priority: shared.rules,
      conditions: [elbv2.ListenerCondition.hostHeaders([endpoint.host])],
      targetGroups: [targetGroup],
    });
    return { listener: shared.listener, rule };
  }

  private listener(
    alb: elbv2.ApplicationLoadBalancer,
    id: string,
    port: number,
    defaultTargetGroup: elbv2.ApplicationTargetGroup
  ): elbv2.ApplicationListener {
    const listener = alb.addListener(id, {
      port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultTargetGroups: [defaultTargetGroup],
    });
    const reason =
      "The walkthrough's internal path between tasks of the VPC, open only to the callers' security groups, as the system to migrate has it; Service Connect replaces it and the last phase deletes it.";
    Validations.of(listener).acknowledge(
      { id: 'NIST.800.53.R5-ALBHttpToHttpsRedirection', reason },
      { id: 'NIST.800.53.R5-ELBv2ACMCertificateRequired', reason }
    );
    return listener;
  }

  /** The Cloud Map DNS service of the `cloudMapDns` service called `name`. */
  dnsServiceOf(name: string): servicediscovery.Service | undefined {
    return this.dnsServices.get(name);
  }

  /** Listener, target group and record of the `internalAlb` service called `name`, while it is attached. */
  albRouteOf(name: string): InternalAlbRoute | undefined {
    return this.albRoutes.get(name);
  }
}
