import * as http from 'http';
import { XmlLists, toXml } from '../xml';
import { ACCOUNT, FakeState, REGION } from './state';

/** Route 53 (REST with XML): hosted zones of a VPC, a hosted zone, its records. */

export function route53Api(state: FakeState, res: http.ServerResponse, operation: string, input: any): void {
  const lists: XmlLists = {
    HostedZoneSummaries: 'HostedZoneSummary',
    ResourceRecordSets: 'ResourceRecordSet',
    ResourceRecords: 'ResourceRecord',
  };
  const ns = 'https://route53.amazonaws.com/doc/2013-04-01/';
  if (operation === 'ListHostedZonesByVPC') {
    const zones = state.zones.filter((z) => z.vpc === input.vpcid);
    const start = Number(input.nexttoken ?? 0);
    const page = zones.slice(start, start + state.pageSize);
    const body = {
      HostedZoneSummaries: page.map((z) => ({
        HostedZoneId: z.id,
        Name: `${z.name}.`,
        // A zone that Cloud Map (or another service) created in this account is the account's:
        // OwningService is only for zones a service created in an account of its own.
        Owner: { OwningAccount: ACCOUNT },
      })),
      MaxItems: String(state.pageSize),
      ...(start + state.pageSize < zones.length && { NextToken: String(start + state.pageSize) }),
    };
    res.setHeader('content-type', 'text/xml');
    res.end(
      `<ListHostedZonesByVPCResponse xmlns="${ns}">${toXml(body, lists)}</ListHostedZonesByVPCResponse>`
    );
    return;
  }
  if (operation === 'ListResourceRecordSets') {
    const id = input.path.split('/')[3];
    const zone = state.zones.find((z) => z.id === id);
    if (!zone)
      throw Object.assign(new Error(`No hosted zone found with ID: ${id}`), { code: 'NoSuchHostedZone' });
    const records = [
      {
        name: `${zone.name}.`,
        type: 'SOA',
        values: ['ns-1.awsdns-1.org. hostmaster.example.com. 1 7200 900 1209600 86400'],
      },
      { name: `${zone.name}.`, type: 'NS', values: ['ns-1.awsdns-1.org.'] },
      ...zone.records,
    ].sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
    const start = input.name
      ? records.findIndex((r) => r.name === input.name && (!input.type || r.type === input.type))
      : 0;
    const page = records.slice(Math.max(0, start), Math.max(0, start) + state.pageSize);
    const after = records[Math.max(0, start) + state.pageSize];
    const body = {
      ResourceRecordSets: page.map((r) => ({
        Name: r.name,
        Type: r.type,
        // A latency record, as the AWS sample's alias of its internal load balancer.
        ...(r.latencyRegion && { SetIdentifier: r.latencyRegion, Region: r.latencyRegion }),
        ...(r.aliasTo
          ? {
              AliasTarget: {
                HostedZoneId: 'Z35SXDOTRQ7X7K',
                DNSName: r.aliasTo,
                EvaluateTargetHealth: 'true',
              },
            }
          : { TTL: '300', ResourceRecords: (r.values ?? []).map((Value) => ({ Value })) }),
      })),
      IsTruncated: after ? 'true' : 'false',
      ...(after && { NextRecordName: after.name, NextRecordType: after.type }),
      MaxItems: String(state.pageSize),
    };
    res.setHeader('content-type', 'text/xml');
    res.end(
      `<ListResourceRecordSetsResponse xmlns="${ns}">${toXml(body, lists)}</ListResourceRecordSetsResponse>`
    );
    return;
  }
  if (operation === 'GetHostedZone') {
    const id = input.path.split('/')[3];
    const zone = state.zones.find((z) => z.id === id);
    if (!zone)
      throw Object.assign(new Error(`No hosted zone found with ID: ${id}`), { code: 'NoSuchHostedZone' });
    const body = {
      HostedZone: {
        Id: `/hostedzone/${zone.id}`,
        Name: `${zone.name}.`,
        CallerReference: `ref-${zone.id}`,
        Config: { PrivateZone: 'true' },
        ResourceRecordSetCount: String(zone.records.length + 2),
        ...(zone.linkedService && { LinkedService: { ServicePrincipal: zone.linkedService } }),
      },
      VPCs: [{ VPCRegion: REGION, VPCId: zone.vpc }],
    };
    res.setHeader('content-type', 'text/xml');
    res.end(
      `<GetHostedZoneResponse xmlns="${ns}">${toXml(body, { ...lists, VPCs: 'VPC' })}</GetHostedZoneResponse>`
    );
    return;
  }
  throw new Error(`fake Route 53 does not implement ${operation}`);
}

/** The Route 53 operation of a REST path. */
export function route53Operation(path: string): string {
  if (path.endsWith('/hostedzonesbyvpc')) return 'ListHostedZonesByVPC';
  if (/\/hostedzone\/[^/]+\/rrset$/.test(path)) return 'ListResourceRecordSets';
  if (/\/hostedzone\/[^/]+$/.test(path)) return 'GetHostedZone';
  return `unknown ${path}`;
}
