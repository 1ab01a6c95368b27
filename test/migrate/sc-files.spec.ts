import * as fs from 'fs';
import * as path from 'path';
import {
  SC_UPDATE_DIR,
  expectedScFiles,
  loadScUpdates,
  renderScFile,
  writeScFiles,
} from '../../lib/migrate/sc-files';
import { Topology } from '../../lib/model/topology';
import { YELB } from '../../lib/model/yelb';
import { ValidationError } from '../../lib/core/validation';
import { templatesOf } from '../support/app';
import { ecsServices, inApiTerms, resourcesOf } from '../support/template';
import { tempDir } from '../support/temp';

describe('sc-update/', () => {
  test('holds exactly the files the model generates (run `npm run sc-update` after changing the model)', () => {
    const committed = fs
      .readdirSync(SC_UPDATE_DIR)
      .filter((f) => f.endsWith('.json'))
      .sort();
    const expected = expectedScFiles(YELB);
    expect(committed).toEqual([...expected.keys()].sort());
    for (const [file, config] of expected) {
      expect(`${file}:\n${fs.readFileSync(path.join(SC_UPDATE_DIR, file), 'utf8')}`).toBe(
        `${file}:\n${renderScFile(config)}`
      );
    }
  });

  test("keeps the walkthrough shape (with the app's default access logs) and leaves the region out", () => {
    const db = JSON.parse(fs.readFileSync(path.join(SC_UPDATE_DIR, 'svc-db.json'), 'utf8'));
    expect(Object.keys(db)).toEqual([
      'enabled',
      'namespace',
      'services',
      'logConfiguration',
      'accessLogConfiguration',
    ]);
    expect(db.logConfiguration.options['awslogs-region']).toBeUndefined();
  });

  test.each(['serviceConnect', 'retired'] as const)(
    'says what the CDK app renders in the %s phase (region left out)',
    (phase) => {
      const { system: template } = templatesOf(phase);
      const resources = template.toJSON().Resources;
      for (const [name, svc] of Object.entries(ecsServices(template))) {
        const rendered = inApiTerms(svc.Properties.ServiceConnectConfiguration, resources);
        delete rendered.logConfiguration.options['awslogs-region'];
        const id = YELB.services.find((s) => s.name === name)!.id;
        const file = JSON.parse(fs.readFileSync(path.join(SC_UPDATE_DIR, `svc-${id}.json`), 'utf8'));
        expect({ [name]: file }).toEqual({ [name]: rendered });
      }
      expect(resourcesOf(template, 'AWS::ECS::Service')).toHaveLength(YELB.services.length);
    }
  );
});

describe('loadScUpdates', () => {
  const copy = () => {
    const dir = tempDir('sc');
    for (const f of fs.readdirSync(SC_UPDATE_DIR))
      fs.copyFileSync(path.join(SC_UPDATE_DIR, f), path.join(dir, f));
    return dir;
  };
  const edit = (dir: string, file: string, change: (c: any) => void) => {
    const config = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    change(config);
    fs.writeFileSync(path.join(dir, file), JSON.stringify(config));
  };

  test('takes a missing file as no override: the service gets the configuration derived from the model', () => {
    const dir = copy();
    fs.rmSync(path.join(dir, 'svc-ui.json'));
    expect(loadScUpdates(dir, YELB).map((u) => u.service.name)).toEqual([
      'yelb-appserver',
      'yelb-db',
      'yelb-redis',
    ]);
  });

  test('loads one configuration per model service, in model order', () => {
    expect(loadScUpdates(SC_UPDATE_DIR, YELB).map((u) => u.service.name)).toEqual(
      YELB.services.map((s) => s.name)
    );
  });

  test.each([
    [
      'enabled false',
      (dir: string) => edit(dir, 'svc-db.json', (c) => (c.enabled = false)),
      /svc-db.json: 'enabled' is false; allowed: true/,
    ],
    [
      'services on a client-only service',
      (dir: string) =>
        edit(
          dir,
          'svc-ui.json',
          (c) => (c.services = [{ portName: 'yelb-ui', clientAliases: [{ port: 80, dnsName: 'ui' }] }])
        ),
      /yelb-ui is client-only in the model/,
    ],
    [
      'no services on a client-server one',
      (dir: string) => edit(dir, 'svc-appserver.json', (c) => delete c.services),
      /yelb-appserver needs exactly one entry in 'services', found 0/,
    ],
    [
      'two client aliases',
      (dir: string) =>
        edit(dir, 'svc-db.json', (c) => c.services[0].clientAliases.push({ port: 1, dnsName: 'x' })),
      /svc-db.json: needs exactly one client alias/,
    ],
    [
      'another log driver',
      (dir: string) => edit(dir, 'svc-db.json', (c) => (c.logConfiguration.logDriver = 'splunk')),
      /svc-db.json: logConfiguration.logDriver: Invalid input: expected "awslogs"; found "splunk"/,
    ],
    [
      'a misspelt key, by its JSON path',
      (dir: string) => edit(dir, 'svc-db.json', (c) => (c.services[0].portname = 'yelb-db')),
      /svc-db.json: services\[0\]: Unrecognized key: "portname"/,
    ],
    [
      'a port out of range',
      (dir: string) => edit(dir, 'svc-db.json', (c) => (c.services[0].clientAliases[0].port = 70000)),
      /svc-db.json: services\[0\].clientAliases\[0\].port: .*found 70000/,
    ],
    [
      'an array',
      (dir: string) => fs.writeFileSync(path.join(dir, 'svc-db.json'), '[]'),
      /svc-db.json: \(the whole file\): Invalid input: expected object, received array/,
    ],
  ])('fails on %s', (_what, breakIt, message) => {
    const dir = copy();
    breakIt(dir);
    expect(() => loadScUpdates(dir, YELB)).toThrow(ValidationError);
    expect(() => loadScUpdates(dir, YELB)).toThrow(message);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('writeScFiles for any topology', () => {
  const shop: Topology = {
    clusterName: 'shop',
    serviceConnectNamespace: 'shop.sc.internal',
    logGroupName: '/ecs/shop',
    services: [
      {
        name: 'web',
        calls: [{ service: 'api', env: 'API', format: 'url' }],
        legacyDiscovery: { kind: 'none' },
      },
      {
        name: 'api',
        port: 8080,
        portName: 'http',
        discoveryName: 'api-http',
        appProtocol: 'http',
        calls: [],
        legacyDiscovery: { kind: 'internalAlb', dnsName: 'api.shop.internal', port: 80 },
      },
    ],
  };

  test('writes one file per service, rewrites only what changed, removes the files of services that are gone', () => {
    const dir = tempDir('sc');
    fs.writeFileSync(path.join(dir, 'svc-old.json'), '{}');
    const lines = writeScFiles(shop, dir);
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['created', 'created', 'removed']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'svc-api.json'), 'utf8')).services).toEqual([
      {
        portName: 'http',
        discoveryName: 'api-http',
        clientAliases: [{ port: 80, dnsName: 'api.shop.internal' }],
      },
    ]);
    expect(writeScFiles(shop, dir).map((l) => l.split(/\s+/)[0])).toEqual(['unchanged', 'unchanged']);
    expect(loadScUpdates(dir, shop).map((u) => u.service.name)).toEqual(['web', 'api']);
  });

  test('refuses a topology without a log group for the proxies', () => {
    expect(() => writeScFiles({ ...shop, logGroupName: undefined }, tempDir('sc'))).toThrow(
      /services\[0\]\.logGroupName: missing, and no logGroupName at the top/
    );
  });
});
