/**
 * PURE: splits a segment expression into tokens, each with its position, so that parse
 * errors can point at the character that is wrong. Full-width punctuation typed on a Chinese
 * keyboard is read as its ASCII twin (one character for one, so positions stay exact).
 */

export type SegmentToken =
  { kind: '(' | ')'; pos: number } | { kind: '-'; pos: number } | { kind: 'word'; pos: number; text: string; quoted: boolean };

/** A user mistake in a segment expression, at `position` (0-based character index). */
export class SegmentSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'SegmentSyntaxError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

const FULL_WIDTH: Record<string, string> = {
  '（': '(',
  '）': ')',
  '：': ':',
  '＝': '=',
  '＜': '<',
  '＞': '>',
  '－': '-',
  '“': '"',
  '”': '"',
  '\u3000': ' ',
};

/** The expression with full-width punctuation replaced, same length. */
export function normaliseSegmentText(text: string): string {
  return [...text].map((ch) => FULL_WIDTH[ch] ?? ch).join('');
}

/** Tokens of `text` (already normalised). */
export function tokenizeSegment(text: string): SegmentToken[] {
  const tokens: SegmentToken[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch, pos: i });
      i += 1;
    } else if (ch === '-' && i + 1 < text.length && !/[\s()]/.test(text[i + 1]!)) {
      // A leading minus negates the atom it touches: `-tag:vip`.
      tokens.push({ kind: '-', pos: i });
      i += 1;
    } else {
      const word = readWord(text, i);
      tokens.push({ kind: 'word', pos: i, text: word.text, quoted: word.quoted });
      i = word.end;
    }
  }
  return tokens;
}

/** Reads up to whitespace or a parenthesis; `"…"` parts may contain either (`\"` escapes). */
function readWord(text: string, start: number): { text: string; end: number; quoted: boolean } {
  let out = '';
  let quoted = false;
  let i = start;
  while (i < text.length && !/[\s()]/.test(text[i]!)) {
    if (text[i] !== '"') {
      out += text[i];
      i += 1;
      continue;
    }
    quoted = true;
    const open = i;
    i += 1;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) {
        i += 1;
      }
      out += text[i];
      i += 1;
    }
    if (i >= text.length) {
      throw new SegmentSyntaxError('引号没有闭合', open);
    }
    i += 1;
  }
  return { text: out, end: i, quoted };
}
