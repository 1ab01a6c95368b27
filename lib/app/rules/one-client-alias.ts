import { NagMessageLevel } from 'cdk-nag';
import { MigrationRule, ecsServiceRule } from './rule';

/** Every Service Connect endpoint has exactly one client alias, with its name and port. */
export const ONE_CLIENT_ALIAS: MigrationRule = {
  id: 'SC2',
  info: 'A Service Connect endpoint of the ECS service has no client alias, or more than one, or one without its name and port.',
  explanation:
    "The endpoint keeps its callers' old name as its one client alias, so that no caller changes its configuration; an endpoint without it would be reachable by its discovery name only.",
  level: NagMessageLevel.ERROR,
  check: ecsServiceRule((s) => {
    const config = s.serviceConnectConfiguration as
      | { enabled?: boolean; services?: { clientAliases?: { dnsName?: string; port?: number }[] }[] }
      | undefined;
    if (!config?.enabled) return true;
    return (config.services ?? []).every(
      (e) =>
        e.clientAliases?.length === 1 && !!e.clientAliases[0].dnsName && e.clientAliases[0].port !== undefined
    );
  }),
};
