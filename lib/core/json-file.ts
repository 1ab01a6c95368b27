import * as fs from 'fs';
import { ValidationError } from './validation';

/**
 * A JSON file's value. @throws ValidationError naming the file: it cannot be read, or it is not JSON.
 */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ValidationError([
      `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError([`${file}: not valid JSON (${(err as Error).message})`]);
  }
}
