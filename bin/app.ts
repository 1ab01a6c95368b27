#!/usr/bin/env node
import { ValidationError } from '../lib/core/validation';
import { createYelbApp } from '../lib/app/yelb-app';

try {
  createYelbApp().app.synth();
} catch (err) {
  if (!(err instanceof ValidationError)) throw err;
  for (const problem of err.problems) console.error(`error: ${problem}`);
  process.exit(1);
}
