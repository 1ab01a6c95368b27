import * as fs from 'fs';
import * as path from 'path';
import { parseHcl } from '../../lib/export/hcl';
import { fromHcl, labelOf } from '../../lib/export/terraform';
import { renderTopologyFile } from '../../lib/model/topology-file';
import { YELB } from '../../lib/model/yelb';
import { tempDir } from '../support/temp';
import { dryRunWaves, filesUnder, migrate } from './exported';

// The Terraform export: per wave the blocks of each aws_ecs_service and its port mapping's
// fields, read here with HashiCorp's HCL parser and compared with what apply --dry-run sends.
const env = { AWS_REGION: 'us-east-1' };
let file: string;
let out: string;

beforeAll(async () => {
  const dir = tempDir('terraform');
  file = path.join(dir, 'yelb.json');
  out = path.join(dir, 'tf');
  fs.writeFileSync(file, renderTopologyFile(YELB));
  const run = await migrate(env, 'export', '--topology', file, '--format', 'terraform', '--out', out);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
});

const parsed = async (name: string): Promise<any> =>
  parseHcl(name, fs.readFileSync(path.join(out, name), 'utf8'));

test('writes per wave an HCL file, per wave of the rollback one, and a README', () => {
  expect(filesUnder(out)).toEqual([
    'README.md',
    'rollback-wave-1.hcl',
    'rollback-wave-2.hcl',
    'rollback-wave-3.hcl',
    'wave-1.hcl',
    'wave-2.hcl',
    'wave-3.hcl',
  ]);
});

test("parsed as HCL, each wave's service_connect_configuration blocks are what apply --dry-run sends, wave for wave", async () => {
  const waves = await dryRunWaves(env, file);
  for (const [i, wave] of waves.entries()) {
    const hcl = await parsed(`wave-${i + 1}.hcl`);
    expect(Object.keys(hcl.resource.aws_ecs_service).sort()).toEqual(Object.keys(wave).map(labelOf).sort());
    for (const [service, config] of Object.entries(wave)) {
      const [resource] = hcl.resource.aws_ecs_service[labelOf(service)];
      expect(resource.name).toBe(service);
      expect({ [service]: fromHcl(resource.service_connect_configuration) }).toEqual({ [service]: config });
    }
  }
  const [appserver] = (await parsed('wave-2.hcl')).resource.aws_ecs_service.yelb_appserver;
  expect(appserver.service_connect_configuration[0].service[0]).toEqual({
    port_name: 'yelb-appserver',
    client_alias: [{ port: 4567, dns_name: 'yelb-appserver.yelb.lb.internal' }],
    timeout: [{ idle_timeout_seconds: 60, per_request_timeout_seconds: 15 }],
  });
});

test("each wave's file has its services' port mapping fields, for their task definitions' container_definitions", async () => {
  expect((await parsed('wave-2.hcl')).locals).toEqual([
    { yelb_appserver_port_mapping: { containerPort: 4567, name: 'yelb-appserver', appProtocol: 'http' } },
  ]);
  expect((await parsed('wave-1.hcl')).locals).toEqual([
    { yelb_db_port_mapping: { containerPort: 5432, name: 'yelb-db' } },
    { yelb_redis_port_mapping: { containerPort: 6379, name: 'yelb-redis' } },
  ]);
});

test('the rollback states enabled = false, wave by wave', async () => {
  const [ui] = (await parsed('rollback-wave-3.hcl')).resource.aws_ecs_service.yelb_ui;
  expect(ui.service_connect_configuration).toEqual([{ enabled: false }]);
});

test('the README says plainly what the parser checked and what it did not', () => {
  const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  expect(readme).toMatch(/each file was read back with HashiCorp's HCL parser/);
  expect(readme).toMatch(/Not checked: the block and attribute names against the AWS provider's schema/);
  expect(readme).toContain('- yelb-db: its `service_registries` block');
  expect(readme).toContain('- yelb-appserver: the `load_balancer` block of its internal target group');
});
