import * as fs from 'fs';
import * as path from 'path';
import { ValidationError } from '../../lib/core/validation';
import { YELB } from '../../lib/model/yelb';
import {
  TOPOLOGY_SCHEMA_FILE,
  parseTopology,
  readTopologyFile,
  renderTopologyFile,
  schemaReference,
} from '../../lib/model/topology-file';
import { tempDir } from '../support/temp';

const ROOT = path.join(__dirname, '..', '..');

/** Every problem a topology file has, as the CLI prints them. */
function problemsOf(value: unknown): string[] {
  try {
    parseTopology(value, 'topology.json');
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return [...err.problems];
    throw err;
  }
}

const yelbJson = () => JSON.parse(renderTopologyFile(YELB));

describe('the topology file', () => {
  test('Yelb round-trips through the format unchanged', () => {
    const file = path.join(tempDir('topology'), 'yelb.json');
    fs.writeFileSync(file, renderTopologyFile(YELB, schemaReference(file, ROOT)));
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).$schema).toMatch(new RegExp(`${TOPOLOGY_SCHEMA_FILE}$`));
    const { $schema: _schema, ...read } = readTopologyFile(file);
    expect(read).toEqual(YELB);
  });

  test('$schema points at the published schema from where the file is', () => {
    expect(schemaReference(path.join(ROOT, 'examples', 'shop.json'), ROOT)).toBe('../topology.schema.json');
    expect(schemaReference(path.join(ROOT, 'shop.json'), ROOT)).toBe('./topology.schema.json');
  });

  test.each<[string, (t: any) => void, RegExp[]]>([
    [
      'an unknown service in calls',
      (t) => (t.services[1].calls[0].service = 'yelb-dbb'),
      [
        /^topology\.json: services\[1\]\.calls\[0\]\.service: 'yelb-dbb' is not a service of the topology; allowed: 'yelb-ui', /,
      ],
    ],
    [
      'two services with one name',
      (t) => (t.services[0].name = 'yelb-db'),
      [/^topology\.json: services\[2\]\.name: 'yelb-db' is used by services\[0\] too; allowed: each once$/],
    ],
    [
      'two services with one port name',
      (t) => (t.services[3].portName = 'yelb-db'),
      [
        /^topology\.json: services\[3\]\.portName: 'yelb-db' is used by services\[2\] too; allowed: each once, as it names the endpoint in the namespace \(or set a discoveryName\)$/,
      ],
    ],
    [
      'an invalid port',
      (t) => (t.services[2].port = 70000),
      [/^topology\.json: services\[2\]\.port: Too big: expected number to be <=65535; found 70000$/],
    ],
    [
      'a missing field',
      (t) => delete t.services[0].calls,
      [
        /^topology\.json: services\[0\]\.calls: Invalid input: expected array, received undefined; found missing$/,
      ],
    ],
    [
      'a called service without a port name',
      (t) => delete t.services[2].portName,
      [
        /^topology\.json: services\[2\]\.portName: missing; allowed: a name for the port mapping, which Service Connect refers to \(migrate apply gives it to a port that has none\)$/,
      ],
    ],
    [
      'two endpoints with one name',
      (t) => (t.services[3].discoveryName = 'yelb-db'),
      [
        /^topology\.json: services\[3\]\.discoveryName: 'yelb-db' is used by services\[2\] too; allowed: each once, as it names the endpoint in the namespace$/,
      ],
    ],
    [
      'a field that is not one',
      (t) => (t.services[0].ports = [80]),
      [/^topology\.json: services\[0\]: Unrecognized key: "ports"$/],
    ],
    [
      'an unknown kind of discovery',
      (t) => (t.services[2].legacyDiscovery = { kind: 'consul' }),
      [
        /^topology\.json: services\[2\]\.legacyDiscovery\.kind: Invalid discriminator value\. Expected 'cloudMapDns' \| 'internalAlb' \| 'none'; found "consul"$/,
      ],
    ],
  ])('refuses %s, naming the path, the value and what is allowed', (_label, edit, messages) => {
    const topology = yelbJson();
    edit(topology);
    expect(problemsOf(topology)).toEqual(messages.map((m) => expect.stringMatching(m)));
  });

  test('reports every problem of a file at once', () => {
    const topology = yelbJson();
    topology.services[0].port = 0;
    topology.services[1].desiredCount = -1;
    topology.clusterName = 'my cluster';
    expect(problemsOf(topology)).toHaveLength(3);
  });

  test('refuses a file that is missing or not JSON, naming it', () => {
    const dir = tempDir('topology');
    fs.writeFileSync(path.join(dir, 'bad.json'), '{ "services": [');
    expect(() => readTopologyFile(path.join(dir, 'bad.json'))).toThrow(/bad\.json: not valid JSON/);
    expect(() => readTopologyFile(path.join(dir, 'nope.json'))).toThrow(
      /nope\.json: cannot be read \(ENOENT\)/
    );
  });

  test('a topology of a discovered cluster needs no image, task size or health check', () => {
    const discovered = {
      clusterName: 'shop',
      serviceConnectNamespace: 'shop.sc.internal',
      services: [
        {
          name: 'web',
          port: 8080,
          portName: 'web',
          calls: [{ service: 'api', env: 'API', format: 'url' }],
          legacyDiscovery: { kind: 'none' },
        },
        {
          name: 'api',
          port: 80,
          portName: 'api-80',
          appProtocol: 'http',
          calls: [],
          legacyDiscovery: { kind: 'internalAlb', dnsName: 'api.shop.internal', port: 80 },
        },
      ],
    };
    expect(problemsOf(discovered)).toEqual([]);
  });
});
