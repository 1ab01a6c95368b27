import { ServiceConnectConfig } from '../model/service-connect';

/**
 * A Service Connect configuration in the ECS API's shape (what `apply` sends) in a template's
 * terms: `AWS::ECS::Service.ServiceConnectConfiguration`, every key in PascalCase but the
 * log options' own (`awslogs-group`). The same values: only the spelling of the keys changes.
 */
export function cloudFormationServiceConnect(config: ServiceConnectConfig): Record<string, unknown> {
  return pascal(config, false) as Record<string, unknown>;
}

/** The API's spelling of a template's configuration: the inverse of {@link cloudFormationServiceConnect}. */
export function apiServiceConnect(value: unknown): unknown {
  return camel(value, false);
}

function pascal(value: unknown, keepKeys: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => pascal(v, false));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      keepKeys ? k : k.charAt(0).toUpperCase() + k.slice(1),
      pascal(v, !keepKeys && k === 'options'),
    ])
  );
}

function camel(value: unknown, keepKeys: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => camel(v, false));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      keepKeys ? k : k.charAt(0).toLowerCase() + k.slice(1),
      camel(v, !keepKeys && k === 'Options'),
    ])
  );
}
