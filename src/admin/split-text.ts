/**
 * PURE: splits a long answer into chunks WeChat accepts. The text limit is undocumented
 * (45002 "content too long" is reported around 2 KB), so chunks stay under a conservative
 * byte budget and break at line ends where possible.
 */

export const MAX_CHUNK_BYTES = 1800;

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

export function splitText(text: string, maxBytes = MAX_CHUNK_BYTES): string[] {
  if (bytes(text) <= maxBytes) {
    return [text];
  }
  const chunks: string[] = [];
  let current = '';
  const flush = (): void => {
    if (current.length > 0) {
      chunks.push(current);
      current = '';
    }
  };
  for (const line of text.split('\n')) {
    const candidate = current.length > 0 ? `${current}\n${line}` : line;
    if (bytes(candidate) <= maxBytes) {
      current = candidate;
      continue;
    }
    flush();
    // A single line longer than the budget is cut by characters.
    let rest = line;
    while (bytes(rest) > maxBytes) {
      let cut = Math.min(rest.length, maxBytes);
      while (bytes(rest.slice(0, cut)) > maxBytes) {
        cut -= 1;
      }
      chunks.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    current = rest;
  }
  flush();
  return chunks;
}
