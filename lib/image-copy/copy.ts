import { MEDIA_TYPES, Manifest, Registry, RegistryError } from './registry';
import { NO_RETRY, Retrier } from './retry';

/** The platform Fargate runs (the task definitions set no other). */
export const DEFAULT_PLATFORM = { os: 'linux', architecture: 'amd64' } as const;

/** Where a copy comes from and goes to. */
export interface CopyRequest {
  readonly source: Registry;
  readonly sourceRepository: string;
  /** The source's tag or digest. */
  readonly sourceReference: string;
  readonly destination: Registry;
  readonly destinationRepository: string;
  /** The tag of the copy: immutable in the mirror. */
  readonly destinationTag: string;
  readonly platform?: { readonly os: string; readonly architecture: string };
  /** Progress lines, for the function's log. */
  readonly log?: (line: string) => void;
  /**
   * Transfers a blob again when it fails in passing (the registries' clients retry each request).
   *
   * @default no retry
   */
  readonly retrier?: Retrier;
}

/** What a copy did. */
export interface CopyResult {
  /** The digest of the copy's manifest in the destination. */
  readonly digest: string;
  /** Whether it was there already (nothing was read from the source). */
  readonly existed: boolean;
  readonly blobsCopied: number;
  readonly blobsPresent: number;
}

interface Descriptor {
  readonly mediaType?: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { readonly os?: string; readonly architecture?: string };
}

/**
 * Copies one image into the destination under `destinationTag`, unless that tag is there already:
 * then the copy is done, and the source is not even asked (a re-run, an update or a rollback
 * sends no request to Docker Hub). A multi-platform source is copied as its one platform's image
 * (Fargate's, linux/amd64). Blobs the destination has are not copied again.
 */
export async function copyImage(request: CopyRequest): Promise<CopyResult> {
  const log = request.log ?? (() => undefined);
  const { destination, destinationRepository: repo, destinationTag: tag } = request;
  const existing = await destination.head(repo, tag);
  if (existing) {
    log(`${repo}:${tag} is there already (${existing.digest}): nothing to copy`);
    return { digest: existing.digest, existed: true, blobsCopied: 0, blobsPresent: 0 };
  }
  const manifest = await platformManifest(request);
  const parsed = JSON.parse(manifest.body.toString('utf8')) as { config: Descriptor; layers: Descriptor[] };
  // The config says which platform the image is for: a single-platform image of another one
  // would fail on Fargate only when a task starts ("exec format error").
  const config = await request.source.blobContent(request.sourceRepository, parsed.config.digest);
  checkPlatform(request, JSON.parse(config.toString('utf8')) as { os?: string; architecture?: string });
  let copied = 0;
  let present = 0;
  for (const blob of [parsed.config, ...parsed.layers]) {
    if (await destination.hasBlob(repo, blob.digest)) {
      present += 1;
      continue;
    }
    log(`copying ${blob.digest} (${blob.size} bytes)`);
    await copyBlob(request, blob, blob === parsed.config ? config : undefined);
    copied += 1;
  }
  const digest = await destination.pushManifest(repo, tag, manifest);
  log(`${repo}:${tag} is ${digest}: ${copied} blobs copied, ${present} there already`);
  return { digest, existed: false, blobsCopied: copied, blobsPresent: present };
}

/**
 * Streams one blob from the source into the destination. A transfer that fails in passing (a
 * reset connection mid-stream, a 5xx) starts over from the source, unless it landed after all.
 */
async function copyBlob(request: CopyRequest, blob: Descriptor, held?: Buffer): Promise<void> {
  const { source, destination, destinationRepository: repo } = request;
  const retrier = request.retrier ?? new Retrier(NO_RETRY);
  await retrier.run(`copy ${blob.digest}`, async (attempt) => {
    if (attempt > 1 && (await destination.hasBlob(repo, blob.digest))) return;
    const content = held ?? (await source.blob(request.sourceRepository, blob.digest));
    try {
      await destination.pushBlob(repo, blob.digest, blob.size, content);
    } catch (err) {
      // Frees the source's connection when the destination failed first.
      if (content instanceof ReadableStream) await content.cancel().catch(() => undefined);
      throw err;
    }
  });
}

function checkPlatform(request: CopyRequest, config: { os?: string; architecture?: string }): void {
  const platform = request.platform ?? DEFAULT_PLATFORM;
  if (config.os === platform.os && config.architecture === platform.architecture) return;
  throw new RegistryError(
    `${request.sourceRepository}:${request.sourceReference} is an image for ${config.os}/${config.architecture}, not ${platform.os}/${platform.architecture}`,
    200
  );
}

/** The source's manifest for the platform: the manifest itself, or the index's entry for it. */
async function platformManifest(request: CopyRequest): Promise<Manifest> {
  const platform = request.platform ?? DEFAULT_PLATFORM;
  const top = await request.source.manifest(request.sourceRepository, request.sourceReference);
  if (top.mediaType === MEDIA_TYPES.dockerManifest || top.mediaType === MEDIA_TYPES.ociManifest) return top;
  if (top.mediaType !== MEDIA_TYPES.dockerList && top.mediaType !== MEDIA_TYPES.ociIndex) {
    throw new RegistryError(
      `${request.sourceRepository}:${request.sourceReference} is a '${top.mediaType}' manifest; allowed: ${Object.values(MEDIA_TYPES).join(', ')}`,
      200
    );
  }
  const index = JSON.parse(top.body.toString('utf8')) as { manifests: Descriptor[] };
  const entry = index.manifests.find(
    (m) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture
  );
  if (!entry) {
    const offered = index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).join(', ');
    throw new RegistryError(
      `${request.sourceRepository}:${request.sourceReference} has no ${platform.os}/${platform.architecture} image (it has ${offered})`,
      200
    );
  }
  return request.source.manifest(request.sourceRepository, entry.digest);
}
