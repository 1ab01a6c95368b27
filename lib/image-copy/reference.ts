/**
 * Container image references as Docker reads them: `[registry/]repository[:tag][@digest]`, where
 * a first part with a dot or a colon (or `localhost`) is a registry, anything else is Docker Hub,
 * and a Docker Hub name of one part is an official image under `library/`. No CDK and no SDK: the
 * app and the copy function's handler both use it.
 */

/** Docker Hub, as references name it and as its registry API answers. */
const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';

/** A parsed image reference. */
export interface ImageReference {
  /** The registry's host (and port): `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** The repository within it: `mreferre/yelb-ui`, `library/redis`. */
  readonly repository: string;
  readonly tag?: string;
  /** `sha256:<64 hex>`. */
  readonly digest?: string;
}

const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * Parses `reference`.
 *
 * @throws Error naming the reference when it is not one.
 */
export function parseImageReference(reference: string): ImageReference {
  const [name, digest, ...rest] = reference.split('@');
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const hasTag = colon > slash;
  const path = hasTag ? name.slice(0, colon) : name;
  const tag = hasTag ? name.slice(colon + 1) : undefined;
  const parts = path.split('/');
  const hasRegistry = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost');
  const registry = hasRegistry ? parts[0] : DOCKER_HUB;
  const components = hasRegistry ? parts.slice(1) : parts;
  const repository = (
    registry === DOCKER_HUB && components.length === 1 ? ['library', ...components] : components
  ).join('/');
  const valid =
    rest.length === 0 &&
    components.length > 0 &&
    components.every((c) => PATH_COMPONENT.test(c)) &&
    (tag === undefined || TAG.test(tag)) &&
    (digest === undefined || DIGEST.test(digest));
  if (!valid)
    throw new Error(`'${reference}' is not an image reference ([registry/]repository[:tag][@sha256:digest])`);
  return { registry, repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/**
 * The base URL of a registry's API: Docker Hub's is `https://registry-1.docker.io`. A registry on
 * the loopback address speaks plain HTTP, as Docker assumes for it.
 */
export function registryApiUrl(registry: string): string {
  const host = registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
  return /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host) ? `http://${host}` : `https://${host}`;
}

/** The reference a registry resolves: the digest when there is one, else the tag, else `latest`. */
export function referenceOf(image: ImageReference): string {
  return image.digest ?? image.tag ?? 'latest';
}

/**
 * The tag a copy carries in the mirror: the source's tag (`0.10`), or for a reference by digest
 * `sha256-<hex>`. Tags in the mirror are immutable, so a copy under this tag is the first copy of
 * that source reference, and stays what it was.
 */
export function mirrorTag(image: ImageReference): string {
  if (image.digest) return image.digest.replace(':', '-');
  return image.tag ?? 'latest';
}

/** The TCP port the copy function reaches a registry on: the one its URL names, else HTTPS's (or HTTP's). */
export function registryPort(registry: string): number {
  const url = new URL(registryApiUrl(registry));
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/**
 * ECR's rules for a repository name (the CreateRepository API, AWS::ECR::Repository): 2 to 256
 * characters, parts separated by `/`, each part lowercase letters and digits with single `.`,
 * `_` or `-` between them.
 */
export const ECR_REPOSITORY_NAME = {
  minLength: 2,
  maxLength: 256,
  part: /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
} as const;

/**
 * The mirror repository of an image: `<prefix>/<registry>/<repository>`, lowercase (registry
 * host names are not case-sensitive), the port's colon a dash. The registry is part of the name:
 * the same path on two registries is two repositories.
 */
export function mirrorRepositoryName(prefix: string, image: ImageReference): string {
  return `${prefix}/${image.registry}/${image.repository}`.toLowerCase().replace(/:/g, '-');
}

/** Which of ECR's rules a repository name breaks, one phrase each (`is 300 characters; …`); none for a valid name. */
export function repositoryNameProblems(name: string): string[] {
  const { minLength, maxLength, part } = ECR_REPOSITORY_NAME;
  const problems =
    name.length < minLength || name.length > maxLength
      ? [`is ${name.length} characters; ECR allows ${minLength} to ${maxLength}`]
      : [];
  for (const bad of name.split('/').filter((p) => !part.test(p))) {
    problems.push(
      `has the part '${bad}'; ECR allows, between slashes, lowercase letters and digits with a single '.', '_' or '-' between them`
    );
  }
  return problems;
}

/**
 * What ECR would refuse of the repository `reference` is copied to under `prefix`, one line each
 * naming the image, the name and the rule; none for an image in ECR already (it is not copied).
 */
export function mirrorProblems(prefix: string, reference: string): string[] {
  if (isInEcr(reference)) return [];
  let image: ImageReference;
  try {
    image = parseImageReference(reference);
  } catch (err) {
    return [(err as Error).message];
  }
  const name = mirrorRepositoryName(prefix, image);
  return repositoryNameProblems(name).map(
    (problem) => `'${reference}' would be copied to the ECR repository '${name}', which ${problem}`
  );
}

/** `docker.io/mreferre/yelb-ui:0.10`: the reference with its registry spelled out. */
export function fullReference(image: ImageReference): string {
  const suffix = `${image.tag !== undefined ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
  return `${image.registry}/${image.repository}${suffix}`;
}

/** 123456789012.dkr.ecr.eu-west-1.amazonaws.com[.cn]/repo/name[:tag][@sha256:digest], in parts. */
export const PRIVATE_ECR =
  /^(?<account>\d{12})\.dkr\.ecr\.(?<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(?<repository>[^:@]+)(?::(?<tag>[^@]+))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Whether an image is in ECR already: a private repository, or ECR Public (the app does not mirror it). */
export function isInEcr(reference: string): boolean {
  return PRIVATE_ECR.test(reference) || reference.startsWith('public.ecr.aws/');
}
