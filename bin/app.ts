#!/usr/bin/env node
import { ValidationError } from '../lib/core/validation';
import { createApp } from '../lib/app/app';
import { YELB } from '../lib/model/yelb';

// The topology is resolved here, once, and passed down: nothing below picks one itself.
try {
  createApp({}, YELB).app.synth();
} catch (err) {
  if (!(err instanceof ValidationError)) throw err;
  for (const problem of err.problems) console.error(`error: ${problem}`);
  process.exit(1);
}
