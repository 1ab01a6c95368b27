import * as fs from 'fs';
import { TEMPLATES_ENV } from './global-setup';

/** Removes the templates that the global setup wrote. */
export default function globalTeardown(): void {
  const dir = process.env[TEMPLATES_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
