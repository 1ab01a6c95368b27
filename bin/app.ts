#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../lib/config';
import { ValidationError } from '../lib/validation';
import { addYelbStacks } from '../lib/yelb-app';

const app = new App();
try {
  const config = parseConfig(app.node.getAllContext() as Record<string, unknown>);
  addYelbStacks(app, config);
} catch (err) {
  if (!(err instanceof ValidationError)) throw err;
  for (const problem of err.problems) console.error(`error: ${problem}`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
