/**
 * PURE: recognises a command in a text message. Commands start with `/` or the full-width
 * `／` that Chinese keyboards produce; the name may be the English name or its Chinese alias.
 */

export interface ParsedCommand {
  /** The name as typed, lower-cased (e.g. `stats` or `统计`). */
  name: string;
  /** Everything after the name, trimmed, with full-width spaces normalised. */
  args: string;
  /** `args` split on whitespace. */
  argv: string[];
}

const PREFIX = /^[/／]/;

/** Returns the command in `text`, or null when the text is not a command at all. */
export function parseCommand(text: string): ParsedCommand | null {
  const trimmed = text.replace(/\u3000/g, ' ').trim();
  if (!PREFIX.test(trimmed)) {
    return null;
  }
  const body = trimmed.slice(1);
  const match = /^(\S+)\s*([\s\S]*)$/.exec(body);
  if (!match) {
    return null;
  }
  const name = match[1]!.toLowerCase();
  const args = match[2]!.trim();
  return { name, args, argv: args.length > 0 ? args.split(/\s+/) : [] };
}
