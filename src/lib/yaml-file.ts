/**
 * Reads the text of one merchant-editable YAML file (templates/). A syntax error becomes a
 * ValidationError that names the file and the first line of the parser's message, so
 * `/reload` and start-up say which file to fix instead of failing with an internal error.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { ValidationError } from '../errors.js';

export function parseYamlFile(text: string, file: string): unknown {
  try {
    return parse(text);
  } catch (error) {
    throw new ValidationError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The text of an optional merchant file (notices.yaml, menus.yaml…); undefined when it does not exist. */
export async function readOptionalFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}
