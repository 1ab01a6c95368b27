import { StackExport, StackStep } from './cloudformation';
import {
  ExportContext,
  ExportedFile,
  listed,
  readmeHeader,
  statusAfterOff,
  statusAfterWave,
  statusCommand,
} from './exported';
import { StackTemplate } from './template';

/**
 * The files of a CloudFormation export: per stack a folder with its current template and one
 * file per step, named so that their order shows (`01-wave-1.yaml`, …, `04-retire.yaml`,
 * `rollback/01-attach-old-path.yaml`, `rollback/02-wave-3-off.yaml`, …; the numbers are the
 * steps of the whole export, so a stack without services in a wave has no file of that number),
 * each in the stack's own format; and the README, which says per step which stack to deploy with
 * which file, what changes, and the `migrate status` line that proves it live.
 */

/** CloudFormation's limit on a template given inline (`aws cloudformation deploy` without `--s3-bucket`). */
const INLINE_TEMPLATE_BYTES = 51_200;

/** The files of an export of `stacks`. */
export function cloudFormationFiles(context: ExportContext, stacks: readonly StackExport[]): ExportedFile[] {
  const names = new StepNames(context.waves.length);
  const files: ExportedFile[] = [];
  for (const stack of stacks) {
    const ext = stack.current.extension();
    const file = (name: string, template: StackTemplate) =>
      files.push({ path: `${stack.stack}/${name}.${ext}`, text: template.text() });
    file(names.current(), stack.current);
    for (const [wave, step] of stack.waves) file(names.wave(wave), step.template);
    if (stack.retire) file(names.retire(), stack.retire.template);
    if (stack.reattach) file(names.reattach(), stack.reattach.template);
    for (const [wave, step] of stack.off) file(names.off(wave), step.template);
  }
  return [{ path: 'README.md', text: readme(context, stacks, names) }, ...files];
}

/** The file names of the steps, numbered in the order they are deployed. */
class StepNames {
  private readonly width: number;
  constructor(private readonly waves: number) {
    this.width = String(waves + 2).length < 2 ? 2 : String(waves + 2).length;
  }
  current(): string {
    return `${this.n(0)}-current`;
  }
  wave(wave: number): string {
    return `${this.n(wave)}-wave-${wave}`;
  }
  retire(): string {
    return `${this.n(this.waves + 1)}-retire`;
  }
  reattach(): string {
    return `rollback/${this.n(1)}-attach-old-path`;
  }
  off(wave: number): string {
    return `rollback/${this.n(this.waves - wave + 2)}-wave-${wave}-off`;
  }
  private n(step: number): string {
    return String(step).padStart(this.width, '0');
  }
}

function readme(context: ExportContext, stacks: readonly StackExport[], names: StepNames): string {
  const lines = [
    ...readmeHeader(
      context,
      'cloudformation',
      `Each stack's folder holds its template as CloudFormation has it now (\`${names.current()}\`, as it was written) and one template per step, in the same format; every step was checked with the CloudFormation diff engine that \`npm run plan\` uses: it changes only its own services and their task definitions, and deletes or replaces nothing else.`
    ),
    ...context.waves.flatMap((_wave, i) => waveSection(context, stacks, names, i + 1)),
    ...retireSection(context, stacks, names),
    ...rollbackSection(context, stacks, names),
    ...notesSection(stacks),
  ];
  return `${lines.join('\n')}\n`;
}

function waveSection(
  context: ExportContext,
  stacks: readonly StackExport[],
  names: StepNames,
  number: number
): string[] {
  const wave = context.waves[number - 1];
  const here = stacks.filter((s) => s.waves.has(number));
  const outside = wave.services.filter((s) => !stacks.some((st) => st.services.includes(s.name)));
  return [
    '',
    `## Step ${number}: wave ${number}, ${listed(wave.services.map((s) => s.name))}`,
    '',
    ...stepTable(
      here,
      (s) => deploy(s, names.wave(number), s.waves.get(number)!.template),
      (s) => s.waves.get(number)!
    ),
    ...(outside.length > 0
      ? [
          '',
          `Not in these stacks: ${listed(outside.map((s) => s.name))}: migrate them in this step by other means (no stack of this export owns them).`,
        ]
      : []),
    '',
    ...statusAfterWave(context, wave),
  ];
}

function retireSection(context: ExportContext, stacks: readonly StackExport[], names: StepNames): string[] {
  const retiring = stacks.filter((s) => s.retire);
  const lines = ['', `## Step ${context.waves.length + 1}: retire, the old path detached`, ''];
  if (retiring.length === 0) return [...lines, 'No stack has an old path to detach.'];
  return [
    ...lines,
    `Once every caller runs Service Connect (step ${context.waves.length} live) and nothing outside ECS uses the old names (Lambda, EC2, people: Service Connect's names resolve only in its tasks). The templates state \`ServiceRegistries\` and \`LoadBalancers\` without the old path (a property left out would change nothing) and delete nothing: the Cloud Map services, target groups, load balancers and records stay for you to delete later.`,
    '',
    ...stepTable(
      retiring,
      (s) => deploy(s, names.retire(), s.retire!.template),
      (s) => s.retire!
    ),
    '',
    `Live: \`${statusCommand(context)}\` prints \`-\` under old path for these services.`,
  ];
}

function rollbackSection(context: ExportContext, stacks: readonly StackExport[], names: StepNames): string[] {
  const lines = [
    '',
    '## Rollback, clients first',
    '',
    `Deploy these in order from wherever you are (skip the steps you did not reach). Each states \`ServiceConnectConfiguration: {Enabled: false}\` for its wave: deploying an earlier wave's template instead would leave Service Connect on, because a property a template leaves out is not changed.`,
  ];
  let step = 0;
  const reattaching = stacks.filter((s) => s.reattach);
  if (reattaching.length > 0) {
    step += 1;
    lines.push('', `### Rollback ${step}: the old path attached again (only after retire)`, '');
    lines.push(
      ...stepTable(
        reattaching,
        (s) => deploy(s, names.reattach(), s.reattach!.template),
        (s) => s.reattach!
      )
    );
  }
  for (let wave = context.waves.length; wave >= 1; wave -= 1) {
    const here = stacks.filter((s) => s.off.has(wave));
    if (here.length === 0) continue;
    step += 1;
    lines.push('', `### Rollback ${step}: wave ${wave} off`, '');
    lines.push(
      ...stepTable(
        here,
        (s) => deploy(s, names.off(wave), s.off.get(wave)!.template),
        (s) => s.off.get(wave)!
      )
    );
    lines.push('', ...statusAfterOff(context, context.waves[wave - 1]));
  }
  lines.push(
    '',
    `After the last rollback step, the stacks' own templates (\`${names.current()}\`) deploy as before: that deployment leaves Service Connect off (their property is absent) and gives the task definitions back their unnamed ports, a new revision each.`
  );
  return lines;
}

function notesSection(stacks: readonly StackExport[]): string[] {
  const notes = stacks.flatMap((s) => [
    ...(s.madeBy === 'copilot'
      ? [
          `stack ${s.stack} was made by Copilot: \`copilot svc deploy\` writes its template again from the manifest and would put back what these templates change. Deploy the steps with CloudFormation, and afterwards stop deploying it with Copilot (whose support ended) or carry the change into the manifest.`,
        ]
      : []),
    ...(Object.keys(s.current.json().Parameters ?? {}).length > 0
      ? [
          `stack ${s.stack} has parameters: \`aws cloudformation deploy\` keeps their current values (it passes UsePreviousValue for the ones you do not override).`,
        ]
      : []),
    ...s.notes.map((n) => `stack ${s.stack}, ${n}`),
  ]);
  return notes.length > 0 ? ['', '## Notes', '', ...notes.map((n) => `- ${n}`)] : [];
}

/** The deploy command of a stack's step, as the README quotes it. */
function deploy(stack: StackExport, name: string, template: StackTemplate): string {
  return `\`${deployCommand(stack, name, template)}\``;
}

/** A step's stacks: the command to deploy each, and what it changes. */
function stepTable(
  stacks: readonly StackExport[],
  command: (stack: StackExport) => string,
  step: (stack: StackExport) => StackStep
): string[] {
  return [
    '| stack | deploy | what changes |',
    '| --- | --- | --- |',
    ...stacks.map((s) => `| ${s.stack} | ${command(s)} | ${step(s).changes.join('<br>')} |`),
  ];
}

/**
 * The deploy command of a stack's step file, with the capabilities its template needs, and a
 * bucket when the step's template (larger than the current one) is over the inline limit.
 */
function deployCommand(stack: StackExport, name: string, step: StackTemplate): string {
  const template = stack.current.json();
  const types = Object.values(template.Resources ?? {}).map((r) => String(r?.Type));
  const capabilities = [
    ...(types.some((t) => t.startsWith('AWS::IAM::')) ? ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'] : []),
    ...(template.Transform !== undefined ? ['CAPABILITY_AUTO_EXPAND'] : []),
  ];
  const large =
    Buffer.byteLength(step.text()) > INLINE_TEMPLATE_BYTES ? ' --s3-bucket <a bucket of yours>' : '';
  return `aws cloudformation deploy --stack-name ${stack.stack} --template-file ${stack.stack}/${name}.${stack.current.extension()}${capabilities.length > 0 ? ` --capabilities ${capabilities.join(' ')}` : ''}${large}`;
}
