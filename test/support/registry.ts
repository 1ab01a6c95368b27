import { ChildProcess, execFile, execFileSync, spawn } from 'child_process';
import { promisify } from 'util';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { tempDir } from './temp';

const execFileAsync = promisify(execFile);

/**
 * Container registries on 127.0.0.1 for the image copy's tests: Debian's docker-registry (the
 * CNCF distribution registry, what Docker Hub and most registries implement) behind two small
 * proxies that add what the real ones do on top:
 *
 * - a "Docker Hub" that answers anonymous requests with a bearer-token challenge, issues tokens
 *   at its realm, and counts manifest requests the way Docker Hub counts pulls (GETs; a HEAD is
 *   not a pull);
 * - an "ECR" that wants basic credentials (`AWS` and a password, as GetAuthorizationToken gives)
 *   and keeps tags immutable: a manifest PUT to a tag that exists fails as ECR's does
 *   (`TAG_INVALID`, cdk-ecr-deployment#207).
 */

/** A request a proxy saw. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/**
 * A failure a proxy makes on purpose, for the requests whose `METHOD /path` matches, `times`
 * times: an answer of its own (a 503, a 429 with Retry-After), a connection reset before any
 * answer, the registry's answer cut off half-way through its body, the request forwarded but its
 * answer replaced (it landed, the client never hears so), or no answer at all.
 */
export interface Fault {
  readonly match: RegExp;
  readonly times: number;
  readonly answer:
    | { readonly status: number; readonly headers?: Record<string, string> }
    | 'reset'
    | 'cut'
    | 'lost'
    | 'hang';
}

export interface RegistryProxy {
  /** `127.0.0.1:port`: a registry host as references name it. */
  readonly host: string;
  readonly url: string;
  readonly requests: ProxiedRequest[];
  /** Failures to make, first match first; each is dropped once it has happened `times` times. */
  readonly faults: Fault[];
  close(): Promise<void>;
}

export interface LocalRegistry {
  readonly url: string;
  readonly host: string;
  stop(): Promise<void>;
}

/** Starts Debian's docker-registry on a free port with its storage in a temporary folder. */
export async function startRegistry(): Promise<LocalRegistry> {
  const dir = tempDir('registry');
  const port = await freePort();
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${path.join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: 127.0.0.1:${port} }`,
    ].join('\n')
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/v2/`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    host: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Docker Hub's way: anonymous requests get a bearer challenge; tokens come from `/token`. With
 * `rateLimited` set, every manifest GET is over the pull limit (HTTP 429, Docker Hub's answer).
 */
export async function startHub(registry: LocalRegistry): Promise<RegistryProxy & { rateLimited: boolean }> {
  let issued = 0;
  const tokens = new Set<string>();
  const state = { rateLimited: false };
  const proxy = await startProxy(registry, (req, res, host) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token') {
      const token = `token-${++issued}`;
      tokens.add(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, expires_in: 300 }));
      return 'answered';
    }
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    if (url.pathname !== '/v2/' && (!bearer || !tokens.has(bearer))) {
      const repository = url.pathname.replace(/^\/v2\//, '').replace(/\/(manifests|blobs)\/.*$/, '');
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="http://${host}/token",service="registry.docker.io",scope="repository:${repository}:pull"`,
        'content-type': 'application/json',
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return 'answered';
    }
    if (state.rateLimited && req.method === 'GET' && url.pathname.includes('/manifests/')) {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(
        '{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"}]}'
      );
      return 'answered';
    }
    return 'forward';
  });
  return Object.defineProperty(proxy, 'rateLimited', {
    get: () => state.rateLimited,
    set: (value: boolean) => (state.rateLimited = value),
  }) as RegistryProxy & { rateLimited: boolean };
}

/**
 * ECR's way: basic credentials, and tags that cannot be overwritten. With `denyNext` set, that many
 * requests are refused as ECR refuses a push the role may not (yet) make.
 */
export async function startEcr(
  registry: LocalRegistry,
  password: string
): Promise<RegistryProxy & { denyNext: number }> {
  const expected = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;
  const state = { denyNext: 0 };
  const proxy = await startProxy(registry, async (req, res) => {
    if (state.denyNext > 0) {
      state.denyNext -= 1;
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        '{"errors":[{"code":"DENIED","message":"User is not authorized to perform: ecr:BatchGetImage"}]}'
      );
      return 'answered';
    }
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="ecr"' });
      res.end('{"errors":[{"code":"DENIED","message":"Your authorization token is invalid."}]}');
      return 'answered';
    }
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(new URL(req.url!, 'http://x').pathname);
    if (req.method === 'PUT' && manifest && !manifest[2].startsWith('sha256:')) {
      const existing = await fetch(`${registry.url}/v2/${manifest[1]}/manifests/${manifest[2]}`, {
        method: 'HEAD',
        headers: {
          accept:
            'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
        },
      });
      if (existing.status === 200) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            errors: [
              {
                code: 'TAG_INVALID',
                message: `The image tag '${manifest[2]}' already exists in the '${manifest[1]}' repository and cannot be overwritten because the repository is immutable.`,
              },
            ],
          })
        );
        return 'answered';
      }
    }
    return 'forward';
  });
  return Object.defineProperty(proxy, 'denyNext', {
    get: () => state.denyNext,
    set: (value: number) => (state.denyNext = value),
  }) as RegistryProxy & { denyNext: number };
}

type Gate = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  host: string
) => 'answered' | 'forward' | Promise<'answered' | 'forward'>;

async function startProxy(registry: LocalRegistry, gate: Gate): Promise<RegistryProxy> {
  const requests: ProxiedRequest[] = [];
  const faults: Fault[] = [];
  let host = '';
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const pathname = new URL(req.url!, 'http://x').pathname;
    res.on('finish', () => requests.push({ method: req.method!, path: pathname, status: res.statusCode }));
    const fault = takeFault(faults, `${req.method} ${pathname}`);
    // A failure before the answer: recorded with status 0, as the client hears none.
    const noAnswer = () => requests.push({ method: req.method!, path: pathname, status: 0 });
    if (fault === 'reset' || fault === 'hang') {
      noAnswer();
      if (fault === 'reset') req.socket.destroy();
      return;
    }
    if (typeof fault === 'object') {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(`{"errors":[{"code":"UNAVAILABLE","message":"fault ${fault.status}"}]}`);
      return;
    }
    if ((await gate(req, res, host)) === 'answered') return;
    const headers = { ...req.headers, host: registry.host };
    delete headers.authorization;
    const upstream = http.request(`${registry.url}${req.url}`, { method: req.method, headers }, (answer) => {
      if (fault === 'lost') {
        answer.resume();
        answer.on('end', () => res.writeHead(500).end('{"errors":[{"code":"UNKNOWN","message":"lost"}]}'));
        return;
      }
      const location = answer.headers.location;
      // The registry names its own address in upload locations: the client must come back here.
      if (location) answer.headers.location = location.replace(registry.url, `http://${host}`);
      res.writeHead(answer.statusCode!, answer.headers);
      if (fault !== 'cut') return void answer.pipe(res);
      answer.once('data', (chunk: Buffer) => {
        noAnswer();
        answer.destroy();
        // The headers and half the body reach the client, then the connection breaks.
        res.write(chunk.subarray(0, Math.floor(chunk.length / 2)), () =>
          setTimeout(() => req.socket.destroy(), 20)
        );
      });
    });
    // The client may give up (its deadline) or the registry drop a request the client aborted:
    // the proxy passes the failure on instead of crashing the test run with an unhandled error.
    upstream.on('error', (err) => (res.headersSent ? res.destroy() : res.writeHead(502).end(err.message)));
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => res.writeHead(502).end(err.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    url: `http://${host}`,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The answer of the first fault that matches `request`, counting it down. */
function takeFault(faults: Fault[], request: string): Fault['answer'] | undefined {
  const index = faults.findIndex((f) => f.match.test(request));
  if (index < 0) return undefined;
  const fault = faults[index];
  if (fault.times <= 1) faults.splice(index, 1);
  else faults[index] = { ...fault, times: fault.times - 1 };
  return fault.answer;
}

/** An image written as an OCI layout, ready for `skopeo copy oci:DIR:TAG`. */
export interface ImageLayout {
  readonly dir: string;
  readonly tag: string;
  /** The manifest digest of each platform's image, by `os/architecture`. */
  readonly manifests: Record<string, string>;
}

/**
 * Builds an image in an OCI layout folder: one small layer per platform (a file that names the
 * platform), a config, a manifest each, and an index when there are several platforms.
 */
export function buildImage(tag: string, platforms: readonly string[] = ['linux/amd64']): ImageLayout {
  const dir = tempDir('oci-layout');
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (content: Buffer) => {
    const hex = createHash('sha256').update(content).digest('hex');
    fs.writeFileSync(path.join(blobs, hex), content);
    return { digest: `sha256:${hex}`, size: content.length };
  };
  const manifests: Record<string, string> = {};
  const descriptors = platforms.map((platform) => {
    const [os, architecture] = platform.split('/');
    const work = tempDir('oci-layer');
    fs.writeFileSync(path.join(work, 'platform'), `${platform} ${tag}\n`);
    execFileSync('tar', ['-cf', path.join(work, 'layer.tar'), '-C', work, 'platform']);
    const tar = fs.readFileSync(path.join(work, 'layer.tar'));
    execFileSync('gzip', ['-n', path.join(work, 'layer.tar')]);
    const layer = put(fs.readFileSync(path.join(work, 'layer.tar.gz')));
    const config = put(
      Buffer.from(
        JSON.stringify({
          architecture,
          os,
          rootfs: { type: 'layers', diff_ids: [`sha256:${createHash('sha256').update(tar).digest('hex')}`] },
          config: {},
        })
      )
    );
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
        })
      )
    );
    manifests[platform] = manifest.digest;
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      platform: { os, architecture },
    };
  });
  const top =
    descriptors.length === 1
      ? descriptors[0]
      : {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          ...put(
            Buffer.from(
              JSON.stringify({
                schemaVersion: 2,
                mediaType: 'application/vnd.oci.image.index.v1+json',
                manifests: descriptors,
              })
            )
          ),
        };
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: top.mediaType,
          digest: top.digest,
          size: top.size,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    })
  );
  return { dir, tag, manifests };
}

/**
 * `skopeo copy` into a registry on 127.0.0.1 (every platform of an index). Asynchronous: the
 * proxies run in this process, and a synchronous child would stop them from answering.
 */
export async function skopeoPush(
  image: ImageLayout,
  destination: string,
  credentials?: string
): Promise<void> {
  await execFileAsync('skopeo', [
    'copy',
    '--all',
    '--dest-tls-verify=false',
    ...(credentials ? ['--dest-creds', credentials] : []),
    `oci:${image.dir}:${image.tag}`,
    `docker://${destination}`,
  ]);
}

/** `skopeo inspect --raw`: a manifest as a registry serves it, and its digest. */
export async function skopeoManifest(
  reference: string,
  credentials: string
): Promise<{ digest: string; manifest: any }> {
  const { stdout } = await execFileAsync('skopeo', [
    'inspect',
    '--raw',
    '--tls-verify=false',
    '--creds',
    credentials,
    `docker://${reference}`,
  ]);
  return {
    digest: `sha256:${createHash('sha256').update(stdout).digest('hex')}`,
    manifest: JSON.parse(stdout),
  };
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
