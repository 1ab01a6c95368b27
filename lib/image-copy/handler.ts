/**
 * The `Custom::ImageCopy` handler (CDK provider framework): copies an image into a mirror
 * repository of the stack under an immutable tag, once. Create and update copy unless the tag is
 * there already, which is the case on every update after the first copy, on CloudFormation's
 * rollback (an update back to the previous properties) and on any re-run: those send no request
 * to the source registry at all and succeed with the digest that is there. Delete does nothing:
 * the repository goes with the stack, images included.
 *
 * Returns the copy's digest, which the task definitions pull by, so that a task runs exactly the
 * image that was copied.
 */
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { copyImage } from './copy';
import { parseImageReference, referenceOf, registryApiUrl } from './reference';
import { Registry, RegistryError } from './registry';
import { Retrier, RetryPolicy } from './retry';
import { COPY_TIMING } from './timing';

/** `Custom::ImageCopy`'s properties, as CloudFormation passes them (strings). */
export interface ImageCopyProperties {
  /** The image to copy, its registry spelled out: `docker.io/mreferre/yelb-ui:0.10`. */
  readonly SourceImage: string;
  /** The mirror repository in this account and region. */
  readonly RepositoryName: string;
  /** The copy's tag in it (immutable). */
  readonly Tag: string;
}

/** The part of the provider framework's events the handler reads. */
export interface ImageCopyEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: ImageCopyProperties;
}

/** The AWS client; a test may pass its own. */
export interface Clients {
  readonly ecr: ECRClient;
}

const defaultClients = (): Clients => ({
  ecr: new ECRClient({
    maxAttempts: 8,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 },
  }),
});

/**
 * Copies the image unless its tag is in the mirror already; returns the copy's digest. What fails
 * in passing is tried again within `retry`'s budget, and the copy fails before its deadline, with
 * the reason, while the function still runs.
 */
export async function onEvent(
  event: ImageCopyEvent,
  clients: Clients = defaultClients(),
  retry: RetryPolicy = COPY_TIMING.retry
) {
  const p = event.ResourceProperties;
  const physicalResourceId = `${p.RepositoryName}:${p.Tag}`;
  if (event.RequestType === 'Delete')
    return { PhysicalResourceId: event.PhysicalResourceId ?? physicalResourceId };
  const source = parseImageReference(p.SourceImage);
  const ecr = await ecrCredentials(clients);
  const log = (method: string, path: string, status: number) =>
    console.log(JSON.stringify({ method, path, status }));
  const retrier = new Retrier(retry, (entry) => console.log(JSON.stringify(entry)));
  const copy = () =>
    copyImage({
      source: new Registry(registryApiUrl(source.registry), { kind: 'anonymous' }, log, retrier),
      sourceRepository: source.repository,
      sourceReference: referenceOf(source),
      destination: new Registry(ecr.endpoint, { kind: 'basic', ...ecr.credentials }, log, retrier),
      destinationRepository: p.RepositoryName,
      destinationTag: p.Tag,
      log: (line) => console.log(line),
      retrier,
    });
  // The copy is idempotent: run again while the registry refuses access (see ACCESS_RETRY).
  const result = await retrier
    .run(`copy ${p.SourceImage}`, copy, {
      retryable: isDenied,
      attempts: ACCESS_RETRY.attempts,
      delayMs: ACCESS_RETRY.delayMs,
    })
    .catch((err: unknown) => {
      if (!retrier.signal.aborted) throw err;
      throw new Error(
        `${p.SourceImage}: the copy did not finish within ${retrier.deadlineSeconds} s (${(err as Error).message})`
      );
    });
  console.log(JSON.stringify({ copied: p.SourceImage, ...result }));
  return {
    PhysicalResourceId: physicalResourceId,
    Data: { Digest: result.digest, DigestHex: result.digest.replace(/^sha256:/, '') },
  };
}

/**
 * How long a copy waits for a permission that was just granted: the permission to push to a
 * repository that the same deployment added takes a few seconds to reach ECR (IAM is eventually
 * consistent).
 */
export const ACCESS_RETRY = { attempts: 6, delayMs: 10_000 };

/** The mirror registry's address and basic credentials, from ECR's GetAuthorizationToken. */
async function ecrCredentials(clients: Clients) {
  const { authorizationData } = await clients.ecr.send(new GetAuthorizationTokenCommand({}));
  const auth = authorizationData?.[0];
  if (!auth?.authorizationToken || !auth.proxyEndpoint)
    throw new Error('ECR GetAuthorizationToken returned no token');
  const [username, ...password] = Buffer.from(auth.authorizationToken, 'base64').toString('utf8').split(':');
  return { endpoint: auth.proxyEndpoint, credentials: { username, password: password.join(':') } };
}

function isDenied(err: unknown): boolean {
  return err instanceof RegistryError && (err.status === 401 || err.status === 403);
}
