import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { tempDir } from './support/temp';

/**
 * The GitHub workflows, validated against the GitHub workflow schema by action-validator (a
 * maintained validator, run as a program as users run it), and the parts of the rehearsal
 * workflow that make it safe to run: OIDC instead of stored keys, --destroy, the report kept.
 */
const run = promisify(execFile);
const VALIDATOR = require.resolve('@action-validator/cli/cli.mjs');
const WORKFLOWS = path.join(__dirname, '..', '.github', 'workflows');
const validate = (file: string) => run(process.execPath, [VALIDATOR, file]);

describe('GitHub workflows', () => {
  test.each(['ci.yml', 'rehearsal.yml'])('%s is valid against the workflow schema', async (file) => {
    await expect(validate(path.join(WORKFLOWS, file))).resolves.toBeDefined();
  });

  test('the validator refuses a broken workflow (so the checks above can fail)', async () => {
    const broken = path.join(tempDir('wf'), 'broken.yml');
    fs.writeFileSync(
      broken,
      fs.readFileSync(path.join(WORKFLOWS, 'ci.yml'), 'utf8').replace('runs-on:', 'runs_on:')
    );
    await expect(validate(broken)).rejects.toMatchObject({
      stderr: expect.stringMatching(/Additional property 'runs_on' is not allowed/),
    });
  });

  test('ci runs .ci/run (npm ci, npm test and the system packages) on pushes and pull requests', () => {
    const ci = fs.readFileSync(path.join(WORKFLOWS, 'ci.yml'), 'utf8');
    expect(ci).toMatch(/^on:\n {2}push:\n {2}pull_request:/m);
    expect(ci).toMatch(/run: sudo .*bash \.ci\/run$/m);
    const run = fs.readFileSync(path.join(__dirname, '..', '.ci', 'run'), 'utf8');
    expect(run).toMatch(/^npm ci\b/m);
    expect(run).toMatch(/^npm test$/m);
  });

  test('the rehearsal runs on demand with an OIDC role, destroys, and keeps the report', () => {
    const yml = fs.readFileSync(path.join(WORKFLOWS, 'rehearsal.yml'), 'utf8');
    expect(yml).toMatch(/^on:\n {2}workflow_dispatch:/m);
    expect(yml).toMatch(/id-token: write/);
    expect(yml).toMatch(
      /aws-actions\/configure-aws-credentials@v4[\s\S]*role-to-assume: \$\{\{ vars\.AWS_REHEARSAL_ROLE_ARN \}\}/
    );
    expect(yml).not.toMatch(/aws-access-key-id|secrets\.AWS/);
    expect(yml).toMatch(/npm run rehearse -- [^\n]*\n[^\n]*--destroy --out rehearsal-report/);
    expect(yml).toMatch(/upload-artifact@v4\n\s+if: always\(\)[\s\S]*path: rehearsal-report\//);
    // The role trusts the protected environment only; a run that does not finish is cleaned up.
    expect(yml.match(/^ {4}environment: rehearsal$/gm)).toHaveLength(2);
    expect(yml).toMatch(
      /cleanup:\n\s+needs: rehearse\n\s+if: \$\{\{ always\(\) && needs\.rehearse\.result != 'success' && startsWith\(inputs\.stage, 'rehearsal'\) \}\}/
    );
    expect(yml).toMatch(/run: npx cdk destroy --all --force -c stage="\$STAGE"/);
    expect(yml).toMatch(/rehearsal\*\) ;;/);
    // No input is spliced into the script (script injection): they arrive as environment variables.
    const script = yml.slice(yml.indexOf('run: >'));
    expect(script.slice(0, script.indexOf('- uses:'))).not.toContain('${{');
  });
});
