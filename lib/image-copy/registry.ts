/**
 * The part of the OCI distribution API (the Docker Registry HTTP API v2) that copying an image
 * needs: manifests by tag or digest, blobs, and uploads. Anonymous pulls with the bearer-token
 * challenge that Docker Hub and most public registries use, or a registry's basic credentials
 * (ECR's, from GetAuthorizationToken). Blobs stream through: nothing is held in memory whole.
 */

import { RegistryError } from './registry-error';
import { NO_RETRY, Retrier, isTransientStatus, retryAfterMs } from './retry';

export { RegistryError };

/** The manifest media types a copy accepts, single-platform and multi-platform (index). */
export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

const ACCEPT = Object.values(MEDIA_TYPES).join(', ');

/** A manifest as a registry serves it: its exact bytes (its digest is over them) and type. */
export interface Manifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly body: Buffer;
}

/** How to sign in. */
export type RegistryAuth =
  /** Anonymous, answering the registry's bearer-token challenge when it makes one. */
  | { readonly kind: 'anonymous' }
  /** A user and password (`AWS` and the token, for ECR). */
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

/** Calls made, for the caller's log and the tests: method and path. */
export type RequestLog = (method: string, path: string, status: number) => void;

/** One registry. */
export class Registry {
  private readonly tokens = new Map<string, string>();

  constructor(
    /** `https://registry-1.docker.io`, `https://123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
    private readonly baseUrl: string,
    private readonly auth: RegistryAuth,
    private readonly log: RequestLog = () => undefined,
    /**
     * Sends again what failed in passing (no answer, 429, 5xx), within the copy's budget, and
     * abandons every request at the copy's deadline.
     */
    private readonly retrier: Retrier = new Retrier(NO_RETRY)
  ) {}

  /**
   * The digest and media type of a manifest, from a HEAD request (Docker Hub does not count a
   * HEAD as a pull); `undefined` when there is none.
   */
  async head(
    repository: string,
    reference: string
  ): Promise<{ digest: string; mediaType: string } | undefined> {
    const res = await this.request('HEAD', repository, `/manifests/${reference}`, 'pull', { accept: ACCEPT });
    if (res.status === 404) return undefined;
    await this.expect(res, 200, `HEAD manifest ${repository}:${reference}`);
    const digest = res.headers.get('docker-content-digest');
    if (!digest)
      throw new RegistryError(`${repository}:${reference}: no Docker-Content-Digest in the answer`, 200);
    return { digest, mediaType: contentType(res) };
  }

  /** A manifest, by tag or digest. */
  async manifest(repository: string, reference: string): Promise<Manifest> {
    const what = `GET manifest ${repository}:${reference}`;
    // Again from the request when the answer breaks off: a manifest is small.
    return this.retrier.run(what, async () => {
      const res = await this.request('GET', repository, `/manifests/${reference}`, 'pull', {
        accept: ACCEPT,
      });
      await this.expect(res, 200, what);
      const body = await this.bodyOf(res, what);
      const digest = res.headers.get('docker-content-digest') ?? (await sha256Digest(body));
      return { digest, mediaType: contentType(res), body };
    });
  }

  /** Whether a blob is in the repository already. */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.request('HEAD', repository, `/blobs/${digest}`, 'pull');
    if (res.status === 404) return false;
    await this.expect(res, 200, `HEAD blob ${repository}@${digest}`);
    return true;
  }

  /** A blob's content, streamed (the registry may redirect to storage; credentials do not follow). */
  async blob(repository: string, digest: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.request('GET', repository, `/blobs/${digest}`, 'pull');
    await this.expect(res, 200, `GET blob ${repository}@${digest}`);
    if (!res.body) throw new RegistryError(`GET blob ${repository}@${digest}: no body`, res.status);
    return res.body;
  }

  /** A small blob's content (an image's config), whole; read again from the request when it breaks off. */
  async blobContent(repository: string, digest: string): Promise<Buffer> {
    const what = `GET blob ${repository}@${digest}`;
    return this.retrier.run(what, async () => {
      const res = await this.request('GET', repository, `/blobs/${digest}`, 'pull');
      await this.expect(res, 200, what);
      return this.bodyOf(res, what);
    });
  }

  /**
   * Uploads a blob as docker push does: POST an upload, PATCH the content in one stream, PUT with
   * the digest (which the registry checks against what it received).
   */
  async pushBlob(
    repository: string,
    digest: string,
    size: number,
    content: ReadableStream<Uint8Array> | Buffer
  ): Promise<void> {
    // An upload started twice is one left unused, which the registry drops.
    const started = await this.request('POST', repository, '/blobs/uploads/', 'push,pull', {
      'content-length': '0',
      repeatable: true,
    });
    await this.expect(started, 202, `start upload of ${digest} to ${repository}`);
    const patched = await this.request('PATCH', repository, this.location(started), 'push,pull', {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      body: content,
    });
    await this.expect(patched, 202, `upload ${digest} to ${repository}`);
    const location = new URL(this.location(patched), this.baseUrl);
    location.searchParams.set('digest', digest);
    const done = await this.request('PUT', repository, location.pathname + location.search, 'push,pull', {
      'content-length': '0',
    });
    await this.expect(done, 201, `finish upload of ${digest} to ${repository}`);
  }

  /**
   * Puts a manifest under `tag`; returns its digest. A put that failed in passing may have landed,
   * and the tag is immutable: before it tries again, it asks whether the tag names this manifest.
   */
  async pushManifest(repository: string, tag: string, manifest: Manifest): Promise<string> {
    const what = `put manifest ${repository}:${tag}`;
    return this.retrier.run(what, async (attempt) => {
      const there = attempt > 1 ? await this.head(repository, tag) : undefined;
      if (there?.digest === manifest.digest) return there.digest;
      const res = await this.request('PUT', repository, `/manifests/${tag}`, 'push,pull', {
        'content-type': manifest.mediaType,
        body: manifest.body,
      });
      await this.expect(res, 201, what);
      return res.headers.get('docker-content-digest') ?? manifest.digest;
    });
  }

  /**
   * `path` is `/manifests/…` under the repository, or an upload's Location (absolute or from the
   * host). A GET or HEAD, or a request marked `repeatable`, is sent again while it fails in
   * passing; the others (an upload's content and end, a manifest's put) may have landed, so their
   * callers check before they try again.
   */
  private async request(
    method: string,
    repository: string,
    path: string,
    actions: string,
    options: RequestOptions = {}
  ): Promise<Response> {
    const url =
      path.startsWith('/v2/') || /^https?:/.test(path)
        ? new URL(path, this.baseUrl)
        : new URL(`/v2/${repository}${path}`, this.baseUrl);
    const what = `${method} ${url.pathname}`;
    const streamed = options.body instanceof ReadableStream;
    const repeatable = method === 'GET' || method === 'HEAD' || options.repeatable === true;
    const attempt = async () => {
      let res = await this.send(method, url, repository, actions, options);
      if (res.status === 401 && this.auth.kind === 'anonymous' && !streamed) {
        await this.answerChallenge(res, repository, actions);
        res = await this.send(method, url, repository, actions, options);
      }
      if (repeatable && isTransientStatus(res.status)) throw await this.failure(res, what);
      return res;
    };
    return repeatable ? this.retrier.run(what, attempt) : attempt();
  }

  private async send(
    method: string,
    url: URL,
    repository: string,
    actions: string,
    options: RequestOptions
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (options.accept) headers.accept = options.accept;
    if (options['content-type']) headers['content-type'] = options['content-type'];
    if (options['content-length']) headers['content-length'] = options['content-length'];
    const authorization = this.authorization(repository, actions);
    if (authorization) headers.authorization = authorization;
    // A streamed body needs `duplex: 'half'` (undici), which RequestInit does not declare yet.
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers,
      body: options.body,
      redirect: 'follow',
      ...(options.body instanceof ReadableStream && { duplex: 'half' }),
    };
    const res = await this.fetch(url, init, `${method} ${url.pathname}`);
    this.log(method, url.pathname, res.status);
    return res;
  }

  /**
   * `fetch` within the copy's deadline, its failures as errors of the registry's: a refused or
   * reset connection is status 0, worth another try; the deadline passing is not.
   */
  private async fetch(url: URL, init: RequestInit, what: string): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: this.retrier.signal });
    } catch (err) {
      if (this.retrier.signal.aborted) throw err;
      throw new RegistryError(`${what}: the connection failed (${reasonOf(err)})`, 0);
    }
  }

  /** The whole body of an answer; an answer that breaks off is a failure worth another try. */
  private async bodyOf(res: Response, what: string): Promise<Buffer> {
    try {
      return Buffer.from(await res.arrayBuffer());
    } catch (err) {
      if (this.retrier.signal.aborted) throw err;
      throw new RegistryError(`${what}: the answer broke off (${reasonOf(err)})`, 0);
    }
  }

  private authorization(repository: string, actions: string): string | undefined {
    if (this.auth.kind === 'basic') {
      return `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
    }
    const token = this.tokens.get(`${repository}:${actions}`);
    return token ? `Bearer ${token}` : undefined;
  }

  /** `WWW-Authenticate: Bearer realm="…",service="…",scope="…"`: asks the realm for a token. */
  private async answerChallenge(res: Response, repository: string, actions: string): Promise<void> {
    await res.arrayBuffer().catch(() => undefined);
    const challenge = res.headers.get('www-authenticate') ?? '';
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!/^Bearer /i.test(challenge) || !params.realm) {
      throw new RegistryError(
        `${this.baseUrl} asks for credentials (${challenge || 'no challenge'}): only anonymous pulls are supported`,
        401
      );
    }
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${repository}:${actions}`);
    const answer = await this.fetch(url, {}, `token from ${url.origin}`);
    this.log('GET', url.pathname, answer.status);
    if (answer.status !== 200) throw await this.failure(answer, `token from ${url.origin}`);
    const body = (await answer.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`token from ${url.origin}: no token in the answer`, 200);
    this.tokens.set(`${repository}:${actions}`, token);
  }

  private location(res: Response): string {
    const location = res.headers.get('location');
    if (!location) throw new RegistryError(`${res.url}: no Location for the upload`, res.status);
    return location;
  }

  private async expect(res: Response, status: number, what: string): Promise<void> {
    if (res.status !== status) throw await this.failure(res, what);
  }

  /** The error an unexpected answer makes: its status, the registry's words, how long it asks to wait. */
  private async failure(res: Response, what: string): Promise<RegistryError> {
    // An unexpected 200 may carry a blob: not read.
    const text = res.status === 200 ? '' : await res.text().catch(() => '');
    const limit =
      res.status === 429
        ? ' (the registry limits pulls: Docker Hub allows 10 anonymous pulls per hour per address)'
        : '';
    return new RegistryError(
      `${what}: HTTP ${res.status}${limit}${text ? `: ${text.slice(0, 300)}` : ''}`,
      res.status,
      retryAfterMs(res.headers.get('retry-after'))
    );
  }
}

/** What a request may carry. */
interface RequestOptions {
  /** Sent again when it fails in passing, though not a GET or HEAD (starting an upload). */
  readonly repeatable?: boolean;
  readonly accept?: string;
  readonly 'content-type'?: string;
  readonly 'content-length'?: string;
  readonly body?: Buffer | ReadableStream<Uint8Array>;
}

/** Why `fetch` failed, from undici's cause (`ECONNRESET`, `other side closed`). */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

function contentType(res: Response): string {
  return (res.headers.get('content-type') ?? '').split(';')[0].trim();
}

async function sha256Digest(body: Buffer): Promise<string> {
  const hash = await crypto.subtle.digest('SHA-256', body);
  return `sha256:${Buffer.from(hash).toString('hex')}`;
}
