/**
 * Reads the text of one merchant-editable YAML file (templates/). A syntax error becomes a
 * ValidationError that names the file and the first line of the parser's message, so
 * `/reload` and start-up say which file to fix instead of failing with an internal error.
 */
import { parse } from 'yaml';
import { ValidationError } from '../errors.js';

export function parseYamlFile(text: string, file: string): unknown {
  try {
    return parse(text);
  } catch (error) {
    throw new ValidationError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}
