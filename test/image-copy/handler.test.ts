import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { ACCESS_RETRY, ImageCopyEvent, ImageCopyProperties, onEvent } from '../../lib/image-copy/handler';
import { RetryPolicy } from '../../lib/image-copy/retry';
import {
  LocalRegistry,
  RegistryProxy,
  buildImage,
  skopeoManifest,
  skopeoPush,
  startEcr,
  startHub,
  startRegistry,
} from '../support/registry';
import { systemTestsRunnable } from '../support/system';

/**
 * The image copy's handler against real registries on 127.0.0.1: Debian's docker-registry behind
 * a "Docker Hub" (anonymous, bearer tokens, pulls counted) and an "ECR" (basic credentials,
 * immutable tags), with skopeo to publish the source images and to read the copies back. Only
 * ECR's GetAuthorizationToken is mocked (it names the "ECR" registry and its password).
 */
const runnable = systemTestsRunnable(['docker-registry', 'skopeo'], false);
const describeSystem = runnable ? describe : describe.skip;

const PASSWORD = 'ecr-password';
const ecrCreds = `AWS:${PASSWORD}`;
/** The function's retries, in milliseconds instead of seconds. */
const FAST: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 10,
  maxDelayMs: 40,
  budgetMs: 5_000,
  deadlineMs: 15_000,
};

describeSystem('Custom::ImageCopy, against real registries', () => {
  let registry: LocalRegistry;
  let hub: RegistryProxy & { rateLimited: boolean };
  let ecr: RegistryProxy & { denyNext: number };
  const ecrApi = mockClient(ECRClient);
  const multi = buildImage('1.0', ['linux/amd64', 'linux/arm64']);

  beforeAll(async () => {
    registry = await startRegistry();
    hub = await startHub(registry);
    ecr = await startEcr(registry, PASSWORD);
    // The source images, published on the "Docker Hub" as a user would: with skopeo.
    await skopeoPush(buildImage('0.10'), `${registry.host}/mreferre/yelb-ui:0.10`);
    await skopeoPush(buildImage('0.11'), `${registry.host}/mreferre/yelb-ui:0.11`);
    await skopeoPush(multi, `${registry.host}/library/multi:1.0`);
    await skopeoPush(buildImage('1.0', ['linux/arm64']), `${registry.host}/library/armonly:1.0`);
  });
  afterAll(async () => {
    await Promise.all([hub.close(), ecr.close()]);
    await registry.stop();
    ecrApi.restore();
  });
  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    ecrApi.reset();
    ecrApi.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        { authorizationToken: Buffer.from(ecrCreds).toString('base64'), proxyEndpoint: ecr.url },
      ],
    });
    hub.requests.length = 0;
    ecr.requests.length = 0;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    hub.faults.length = 0;
    ecr.faults.length = 0;
  });
  /** The handler as the function runs it, with {@link FAST} retries. */
  const handle = (e: ImageCopyEvent, retry: RetryPolicy = FAST) => onEvent(e, undefined, retry);

  const event = (
    requestType: ImageCopyEvent['RequestType'],
    properties: Partial<ImageCopyProperties> = {}
  ): ImageCopyEvent => ({
    RequestType: requestType,
    ...(requestType !== 'Create' && { PhysicalResourceId: 'yelb-cluster/docker.io/mreferre/yelb-ui:0.10' }),
    ResourceProperties: {
      SourceImage: `${hub.host}/mreferre/yelb-ui:0.10`,
      RepositoryName: 'yelb-cluster/docker.io/mreferre/yelb-ui',
      Tag: '0.10',
      ...properties,
    },
  });
  /** Docker Hub counts a GET of a manifest as a pull (a HEAD is not one, nor a refused request). */
  const pulls = () =>
    hub.requests.filter((r) => r.method === 'GET' && r.path.includes('/manifests/') && r.status === 200);
  const pushes = () => ecr.requests.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'));

  test('create copies the image into the mirror under its tag and returns the digest tasks pull by', async () => {
    const result = await handle(event('Create'));
    const copy = await skopeoManifest(`${ecr.host}/yelb-cluster/docker.io/mreferre/yelb-ui:0.10`, ecrCreds);
    const source = await skopeoManifest(`${registry.host}/mreferre/yelb-ui:0.10`, ecrCreds);
    expect(result).toEqual({
      PhysicalResourceId: 'yelb-cluster/docker.io/mreferre/yelb-ui:0.10',
      Data: { Digest: copy.digest, DigestHex: copy.digest.slice('sha256:'.length) },
    });
    // The same image, byte for byte: the same manifest digest as the source.
    expect(copy.digest).toBe(source.digest);
    expect(pulls()).toHaveLength(1);
    expect(pushes()).toEqual([expect.objectContaining({ status: 201 })]);
    // It asked for a token at the challenge's realm, as it must at Docker Hub.
    expect(hub.requests.some((r) => r.path === '/token')).toBe(true);
  });

  test.each([
    ['an update with the same properties (CloudFormation rolling a failed deploy back)', {}],
    ['an update for another reason (a property of the copy changed)', { Tag: '0.10' }],
  ])(
    '%s succeeds with the same digest, sending nothing to the hub and pushing nothing',
    async (_label, properties) => {
      const first = await handle(event('Create'));
      hub.requests.length = 0;
      ecr.requests.length = 0;
      const again = await handle(event('Update', properties));
      expect(again).toEqual(first);
      expect(hub.requests).toEqual([]);
      expect(pushes()).toEqual([]);
    }
  );

  test('what cdk-ecr-deployment does on every update, pushing the tag again, fails on the immutable mirror', async () => {
    await handle(event('Create'));
    await expect(
      skopeoPush(buildImage('0.10'), `${ecr.host}/yelb-cluster/docker.io/mreferre/yelb-ui:0.10`, ecrCreds)
    ).rejects.toThrow(/TAG_INVALID|cannot be overwritten|tag invalid/i);
  });

  test('a new tag is copied beside the first; the first stays what it was', async () => {
    const first = await handle(event('Create'));
    const second = await handle(
      event('Update', { SourceImage: `${hub.host}/mreferre/yelb-ui:0.11`, Tag: '0.11' })
    );
    expect(second.PhysicalResourceId).toBe('yelb-cluster/docker.io/mreferre/yelb-ui:0.11');
    expect(second.Data!.Digest).not.toBe(first.Data!.Digest);
    expect(
      (await skopeoManifest(`${ecr.host}/yelb-cluster/docker.io/mreferre/yelb-ui:0.10`, ecrCreds)).digest
    ).toBe(first.Data!.Digest);
  });

  test("a multi-platform image is copied as Fargate's platform only, linux/amd64", async () => {
    const result = await handle(
      event('Create', {
        SourceImage: `${hub.host}/library/multi:1.0`,
        RepositoryName: 'yelb-cluster/docker.io/library/multi',
        Tag: '1.0',
      })
    );
    expect(result.Data!.Digest).toBe(multi.manifests['linux/amd64']);
    const copy = await skopeoManifest(`${ecr.host}/yelb-cluster/docker.io/library/multi:1.0`, ecrCreds);
    expect(copy.manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    // Docker Hub counts the index and the platform manifest as one pull.
    expect(pulls()).toHaveLength(2);
  });

  test.each([
    [
      'an image without linux/amd64',
      { SourceImage: 'HUB/library/armonly:1.0', RepositoryName: 'm/armonly', Tag: '1.0' },
      /library\/armonly:1\.0 is an image for linux\/arm64, not linux\/amd64/,
    ],
    [
      'an image that does not exist',
      { SourceImage: 'HUB/mreferre/nothing:1', RepositoryName: 'm/nothing', Tag: '1' },
      /GET manifest mreferre\/nothing:1: HTTP 404/,
    ],
    [
      'a reference that is not one',
      { SourceImage: 'Not An Image' },
      /'Not An Image' is not an image reference/,
    ],
  ])('fails clearly for %s, and copies nothing', async (_label, properties, message) => {
    const props = { ...properties, SourceImage: properties.SourceImage.replace('HUB', hub.host) };
    await expect(handle(event('Create', props))).rejects.toThrow(message);
    expect(pushes()).toEqual([]);
  });

  test("Docker Hub's pull limit fails the copy with the reason, and an existing copy does not care", async () => {
    hub.rateLimited = true;
    try {
      await expect(
        handle(
          event('Create', {
            SourceImage: `${hub.host}/mreferre/yelb-ui:0.11`,
            RepositoryName: 'm/limited',
            Tag: '0.11',
          })
        )
      ).rejects.toThrow(
        /HTTP 429 \(the registry limits pulls: Docker Hub allows 10 anonymous pulls per hour per address\).*\(gave up after 4 attempts\)/
      );
      // Tried again with backoff, then given up on: no manifest was ever served.
      expect(hub.requests.filter((r) => r.status === 429)).toHaveLength(4);
      expect(pulls()).toEqual([]);
      // A copy that exists needs nothing from the hub: updates and rollbacks go through.
      await handle(event('Create'));
      hub.requests.length = 0;
      await expect(handle(event('Update'))).resolves.toMatchObject({ Data: { Digest: expect.any(String) } });
      expect(hub.requests).toEqual([]);
    } finally {
      hub.rateLimited = false;
    }
  });

  test('waits out a push permission that has not reached ECR yet (the deployment just granted it)', async () => {
    const saved = { ...ACCESS_RETRY };
    ACCESS_RETRY.delayMs = 10;
    ecr.denyNext = 2;
    try {
      const result = await handle(
        event('Create', { RepositoryName: 'yelb-cluster/docker.io/mreferre/new-repository' })
      );
      expect(result.Data!.Digest).toMatch(/^sha256:/);
      expect(ecr.requests.filter((r) => r.status === 403)).toHaveLength(2);
      // ...but not for ever: a permission that never comes fails the copy.
      ecr.denyNext = 100;
      await expect(
        handle(event('Create', { RepositoryName: 'yelb-cluster/docker.io/mreferre/denied' }))
      ).rejects.toThrow(/HTTP 403/);
    } finally {
      Object.assign(ACCESS_RETRY, saved);
      ecr.denyNext = 0;
    }
  });

  describe('what fails in passing is tried again, and the copy is the image, intact', () => {
    let n = 0;
    /** The digests of yelb-ui:0.10's config and layer. */
    const blobs = { config: '', layer: '' };
    beforeAll(async () => {
      const { manifest } = await skopeoManifest(`${registry.host}/mreferre/yelb-ui:0.10`, ecrCreds);
      Object.assign(blobs, { config: manifest.config.digest, layer: manifest.layers[0].digest });
    });
    /** A copy into a repository of its own, so that nothing is there already. */
    const check = async () => {
      const repository = `m/faults-${++n}`;
      const result = await handle(event('Create', { RepositoryName: repository }));
      const source = await skopeoManifest(`${registry.host}/mreferre/yelb-ui:0.10`, ecrCreds);
      expect(result.Data!.Digest).toBe(source.digest);
      // The registry checked each blob's digest as its upload ended: what is there is whole.
      expect((await skopeoManifest(`${ecr.host}/${repository}:0.10`, ecrCreds)).digest).toBe(source.digest);
    };

    test.each<[string, () => void, RegExp]>([
      [
        "Docker Hub's 503 on the manifest",
        () => hub.faults.push({ match: /^GET .*\/manifests\//, times: 2, answer: { status: 503 } }),
        /^GET .*\/manifests\/0\.10 503$/,
      ],
      [
        'a connection reset before the answer',
        () => hub.faults.push({ match: /^GET .*\/manifests\//, times: 1, answer: 'reset' }),
        /^GET .*\/manifests\/0\.10 0$/,
      ],
      [
        "the token service's 502",
        () => hub.faults.push({ match: /^GET \/token$/, times: 1, answer: { status: 502 } }),
        /^GET \/token 502$/,
      ],
      [
        'the config cut off half-way through',
        () =>
          hub.faults.push({ match: new RegExp(`^GET .*/blobs/${blobs.config}$`), times: 2, answer: 'cut' }),
        /^GET .*\/blobs\/sha256:[a-f0-9]{64} 0$/,
      ],
      [
        'a layer cut off half-way through its stream',
        () =>
          hub.faults.push({ match: new RegExp(`^GET .*/blobs/${blobs.layer}$`), times: 2, answer: 'cut' }),
        /^GET .*\/blobs\/sha256:[a-f0-9]{64} 0$/,
      ],
      [
        "ECR's 500 on an upload",
        () => ecr.faults.push({ match: /^PATCH /, times: 1, answer: { status: 500 } }),
        /^PATCH .* 500$/,
      ],
    ])('%s', async (_label, fail, seen) => {
      fail();
      await check();
      const requests = [...hub.requests, ...ecr.requests].map((r) => `${r.method} ${r.path} ${r.status}`);
      expect(requests).toContainEqual(expect.stringMatching(seen));
    });

    test('a manifest put that landed though its answer was lost: found under its tag, not put again', async () => {
      ecr.faults.push({ match: /^PUT .*\/manifests\/0\.10$/, times: 1, answer: 'lost' });
      await check();
      // One put (whose answer was lost), then the tag was found: a second put would fail, the tag is immutable.
      expect(pushes()).toEqual([expect.objectContaining({ status: 500 })]);
    });
  });

  test("honours the registry's Retry-After", async () => {
    hub.faults.push({
      match: /^GET .*\/manifests\//,
      times: 1,
      answer: { status: 429, headers: { 'retry-after': '1' } },
    });
    const started = Date.now();
    await handle(event('Create', { RepositoryName: 'm/retry-after' }));
    // FAST's own backoff waits 5 to 10 ms: the second asking waited for the registry's second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(hub.requests.filter((r) => r.status === 429)).toHaveLength(1);
  });

  test('fails at once, with the reason, when the registry asks for a wait past the retry budget', async () => {
    hub.faults.push({
      match: /^GET .*\/manifests\//,
      times: 1,
      answer: { status: 429, headers: { 'retry-after': '3600' } },
    });
    const started = Date.now();
    await expect(handle(event('Create', { RepositoryName: 'm/retry-after-long' }))).rejects.toThrow(
      /HTTP 429 .*\(gave up after 1 attempts: a wait of 3600 s would end past the copy's retry budget of 5 s\)/
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(pushes()).toEqual([]);
  });

  test('gives up when the retry budget is spent, before the attempts are', async () => {
    hub.faults.push({ match: /^GET .*\/manifests\//, times: 1000, answer: { status: 503 } });
    const started = Date.now();
    await expect(
      handle(event('Create', { RepositoryName: 'm/budget' }), {
        ...FAST,
        attempts: 1000,
        baseDelayMs: 100,
        maxDelayMs: 100,
        budgetMs: 500,
      })
    ).rejects.toThrow(/HTTP 503.*would end past the copy's retry budget of 1 s/);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(pushes()).toEqual([]);
  });

  test('fails with the reason at its deadline, while the function still runs, when a registry stops answering', async () => {
    hub.faults.push({ match: /^GET .*\/blobs\//, times: 1, answer: 'hang' });
    const started = Date.now();
    await expect(
      handle(event('Create', { RepositoryName: 'm/deadline' }), { ...FAST, deadlineMs: 1_000 })
    ).rejects.toThrow(/docker\.io|127\.0\.0\.1.*: the copy did not finish within 1 s/);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(pushes()).toEqual([]);
  });

  test.each([[['linux/arm64', 'linux/amd64']], [['windows/amd64', 'linux/amd64']]])(
    "picks the index's linux/amd64 entry by both OS and architecture, whatever comes first (%j)",
    async (platforms) => {
      const image = buildImage('2.0', platforms);
      await skopeoPush(image, `${registry.host}/library/${platforms[0].replace('/', '-')}-first:2.0`);
      const result = await handle(
        event('Create', {
          SourceImage: `${hub.host}/library/${platforms[0].replace('/', '-')}-first:2.0`,
          RepositoryName: `m/${platforms[0].replace('/', '-')}-first`,
          Tag: '2.0',
        })
      );
      expect(result.Data!.Digest).toBe(image.manifests['linux/amd64']);
    }
  );

  test('delete does nothing: the repository goes with the stack, its images with it', async () => {
    expect(await handle(event('Delete'))).toEqual({
      PhysicalResourceId: 'yelb-cluster/docker.io/mreferre/yelb-ui:0.10',
    });
    expect(ecrApi.calls()).toHaveLength(0);
    expect([...hub.requests, ...ecr.requests]).toEqual([]);
  });
});
