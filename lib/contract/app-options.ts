import { z } from 'zod';
import { DEPLOYMENT_STRATEGIES } from '../model/deployment';
import { MIGRATION_PHASES, MigrationPhase } from '../model/phase';
import { PlanOptions } from '../model/plan';

/**
 * What the CDK app chose for every service's Service Connect configuration, as its stack states
 * it (the `ServiceConnectOptions` output, JSON): the phase deployed, access logs, TLS with its
 * key and role, and the deployment strategy (test traffic). The migration CLI reads it from the
 * stack (or from a file, `--options`), so that what it sends to a copy the app deployed is the
 * template's configuration, field for field: both render the same plan.
 */
export const appOptionsSchema = z
  .object({
    phase: z.enum(MIGRATION_PHASES).describe('the migration phase of the last deployment'),
    accessLogs: z.boolean().describe("the proxies' JSON access logs"),
    tls: z
      .object({
        certificateAuthorityArn: z.string().min(1),
        kmsKeyArn: z.string().min(1),
        roleArn: z.string().min(1),
      })
      .strict()
      .optional()
      .describe('Service Connect TLS: the Private CA, the KMS key and the ECS infrastructure role'),
    deployment: z
      .object({
        strategy: z.enum(DEPLOYMENT_STRATEGIES),
        bakeMinutes: z.number().int().min(0).optional(),
        stepPercent: z.number().positive().optional(),
        stepBakeMinutes: z.number().int().min(0).optional(),
      })
      .strict(),
  })
  .strict();

/** The CDK app's options, as its stack states them. */
export type AppOptions = z.infer<typeof appOptionsSchema>;

/**
 * The plan options that reproduce the app's configurations in `phase` (default: the phase the
 * stack says). A strategy other than rolling applies in the retired phase only.
 */
export function planOptionsFromApp(app: AppOptions, phase: MigrationPhase = app.phase): PlanOptions {
  return {
    phase,
    accessLogs: app.accessLogs,
    ...(app.tls && { tlsCertificateAuthorityArn: app.tls.certificateAuthorityArn }),
    deployment: app.deployment,
  };
}
