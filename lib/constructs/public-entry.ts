import { Aws, CfnRule, Fn, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { acknowledgeLoadBalancerPolicies, acknowledgeNoAccessLogs, fastTargetGroup } from './target-group';

/** Props of {@link PublicEntry}. */
export interface PublicEntryProps {
  readonly vpc: ec2.IVpc;
  /** How the alias record's comment names the system (`Yelb`). */
  readonly systemLabel: string;
  /** Port of the listener and of the target containers. */
  readonly port: number;
  /** Health-check path of the target group; must not depend on a database. */
  readonly healthCheckPath: string;
  /**
   * HTTPS: an ACM certificate (in the stack's region) for an HTTPS listener with a current TLS
   * policy; port 80 then only redirects to HTTPS.
   *
   * @default - HTTP only
   */
  readonly https?: {
    readonly certificateArn: string;
    /**
     * A name for the app: an alias record in this Route 53 hosted zone, and the URL users open.
     *
     * @default - the load balancer's DNS name
     */
    readonly domain?: { readonly name: string; readonly hostedZoneId: string };
  };
  /**
   * What ECS shifts the traffic with in a blue/green, linear or canary deployment of the target
   * service (its plan's `loadBalancerShift`): an alternate target group, a production listener
   * rule on the listener that forwards, and the ECS infrastructure role for load balancers.
   *
   * @default false
   */
  readonly alternateTargetGroup?: boolean;
}

/** The HTTPS port. */
const HTTPS_PORT = 443;

/**
 * The production listener rule's priority: the last one a listener evaluates before its default
 * action, which it stands in for (ECS needs a rule's ARN, and CloudFormation gives none for a
 * listener's default rule).
 */
export const PRODUCTION_RULE_PRIORITY = 50000;

/** The production listener rule's weights as created: all on the primary target group. ECS changes them. */
const CREATED_WEIGHTS = { primary: 100, alternate: 0 } as const;

/**
 * The internet-facing Application Load Balancer in the public subnets that users reach the
 * web front end through. It is the same in every migration phase.
 */
export class PublicEntry extends Construct {
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly securityGroup: ec2.SecurityGroup;
  /** The listener on `port`: it forwards to the targets, or with HTTPS redirects to it. */
  public readonly listener: elbv2.ApplicationListener;
  /** The HTTPS listener, when there is a certificate. */
  public readonly httpsListener?: elbv2.ApplicationListener;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  /**
   * The alternate target group, the production listener rule and the role ECS shifts the
   * traffic with, when the props ask for them.
   */
  public readonly trafficShift?: {
    readonly alternateTargetGroup: elbv2.ApplicationTargetGroup;
    readonly productionRule: elbv2.ApplicationListenerRule;
    readonly role: iam.Role;
  };
  private readonly https?: PublicEntryProps['https'];

  constructor(scope: Construct, id: string, props: PublicEntryProps) {
    super(scope, id);
    this.https = props.https;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Public load balancer: HTTP from the internet',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(props.port),
      props.https ? 'HTTP from the internet, redirected to HTTPS' : 'HTTP from the internet'
    );
    if (props.https) {
      this.securityGroup.addIngressRule(
        ec2.Peer.anyIpv4(),
        ec2.Port.tcp(HTTPS_PORT),
        'HTTPS from the internet'
      );
    }
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The public entry point of a web application: HTTP(S) from anywhere is its purpose.',
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: this.securityGroup,
      dropInvalidHeaderFields: true,
    });
    acknowledgeNoAccessLogs(this.loadBalancer);
    acknowledgeLoadBalancerPolicies(this.loadBalancer, 'it serves the app in every phase');
    this.targetGroup = fastTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      port: props.port,
      healthCheckPath: props.healthCheckPath,
    });
    const listeners = props.https
      ? this.httpsListeners(props, props.https)
      : { listener: this.plainListener(props), httpsListener: undefined };
    this.listener = listeners.listener;
    this.httpsListener = listeners.httpsListener;
    if (props.alternateTargetGroup) {
      this.trafficShift = this.addTrafficShift(props, this.httpsListener ?? this.listener);
    }
  }

  /** No certificate: plain HTTP, as the walkthrough deploys it. -c certificateArn=… turns on HTTPS. */
  private plainListener(props: PublicEntryProps): elbv2.ApplicationListener {
    const listener = this.loadBalancer.addListener('Listener', {
      port: props.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultTargetGroups: [this.targetGroup],
    });
    const reason =
      'HTTPS needs a certificate for a name users open, which a sample cannot have: -c certificateArn (and domainName) turns this listener into a redirect to an HTTPS one.';
    Validations.of(listener).acknowledge(
      { id: 'NIST.800.53.R5-ALBHttpToHttpsRedirection', reason },
      { id: 'NIST.800.53.R5-ELBv2ACMCertificateRequired', reason }
    );
    return listener;
  }

  /** HTTPS on 443 with the certificate; port 80 redirects to it. */
  private httpsListeners(
    props: PublicEntryProps,
    https: NonNullable<PublicEntryProps['https']>
  ): { listener: elbv2.ApplicationListener; httpsListener: elbv2.ApplicationListener } {
    // Same logical ID as the HTTP listener: turning HTTPS on updates it in place to a redirect.
    const listener = this.loadBalancer.addListener('Listener', {
      port: props.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultAction: elbv2.ListenerAction.redirect({
        protocol: 'HTTPS',
        port: String(HTTPS_PORT),
        permanent: true,
      }),
    });
    Validations.of(listener).acknowledge({
      id: 'NIST.800.53.R5-ELBv2ACMCertificateRequired',
      reason: 'This listener only redirects port 80 to HTTPS; the HTTPS listener carries the certificate.',
    });
    const httpsListener = this.loadBalancer.addListener('HttpsListener', {
      port: HTTPS_PORT,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      open: false,
      certificates: [elbv2.ListenerCertificate.fromArn(https.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultTargetGroups: [this.targetGroup],
    });
    // Turning HTTPS on: port 80 starts redirecting only once 443 answers. Without the order
    // CloudFormation updates one and creates the other in parallel, and users are redirected to
    // nothing for a few seconds.
    listener.node.addDependency(httpsListener);
    // A certificate of another region fails only half-way through the deployment (the listener
    // cannot use it): checked before CloudFormation changes anything.
    new CfnRule(this, 'CertificateRegion', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, certificateRegion(https.certificateArn)),
          assertDescription: `The certificate ${https.certificateArn} is not in the region of this stack: the load balancer can only use an ACM certificate of its own region. Request or import one there.`,
        },
      ],
    });
    if (https.domain) {
      const zone = route53.HostedZone.fromHostedZoneId(this, 'Zone', https.domain.hostedZoneId);
      new route53.ARecord(this, 'AliasRecord', {
        zone,
        // Absolute (trailing dot): the zone's name is not known to the app.
        recordName: `${https.domain.name}.`,
        target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer)),
        comment: `${props.systemLabel}, through the public load balancer`,
      });
    }
    return { listener, httpsListener };
  }

  /**
   * The alternate target group (the primary's settings), the production listener rule on the
   * listener that forwards (every path, to both target groups, all on the primary as created: ECS
   * changes the weights during a deployment, and CloudFormation leaves them alone while the
   * rule's properties stay the same), and the ECS infrastructure role for load balancers, with
   * AWS's managed policy and the trust policy the ECS documentation gives.
   */
  private addTrafficShift(props: PublicEntryProps, forwarding: elbv2.ApplicationListener) {
    const alternateTargetGroup = fastTargetGroup(this, 'AlternateTargetGroup', {
      vpc: props.vpc,
      port: props.port,
      healthCheckPath: props.healthCheckPath,
    });
    const productionRule = new elbv2.ApplicationListenerRule(this, 'ProductionRule', {
      listener: forwarding,
      priority: PRODUCTION_RULE_PRIORITY,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/*'])],
      action: elbv2.ListenerAction.weightedForward([
        { targetGroup: this.targetGroup, weight: CREATED_WEIGHTS.primary },
        { targetGroup: alternateTargetGroup, weight: CREATED_WEIGHTS.alternate },
      ]),
    });
    const role = new iam.Role(this, 'InfrastructureRole', {
      // No condition: ECS's scheduler assumes it for every deployment of the service, and the
      // documented trust policy has none; a key ECS did not send would fail them all.
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: `ECS shifts the ${props.systemLabel} public entry's traffic between its two target groups in blue/green, linear and canary deployments`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonECSInfrastructureRolePolicyForLoadBalancers'),
      ],
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers]',
      reason:
        "AWS's own policy for the ECS infrastructure role for load balancers: the target group and listener rule actions of blue/green, linear and canary deployments, kept current by AWS; only ECS may assume the role.",
    });
    return { alternateTargetGroup, productionRule, role };
  }

  /** The alternate target of the service behind the load balancer, for `loadBalancerTarget({ alternateTarget })`. */
  get alternateTarget(): ecs.IAlternateTarget | undefined {
    const shift = this.trafficShift;
    if (!shift) return undefined;
    return new ecs.AlternateTarget('Alternate', {
      alternateTargetGroup: shift.alternateTargetGroup,
      productionListener: ecs.ListenerRuleConfiguration.applicationListenerRule(shift.productionRule),
      role: shift.role,
    });
  }

  /** The URL users open: HTTPS on the app's name, or on the load balancer's, when there is a certificate. */
  get url(): string {
    if (!this.https) return `http://${this.loadBalancer.loadBalancerDnsName}/`;
    return `https://${this.https.domain?.name ?? this.loadBalancer.loadBalancerDnsName}/`;
  }
}

/** `eu-west-1` of `arn:aws:acm:eu-west-1:123456789012:certificate/…`. */
export function certificateRegion(certificateArn: string): string {
  const region = certificateArn.split(':')[3];
  if (!region) throw new Error(`'${certificateArn}' is not an ACM certificate ARN`);
  return region;
}
