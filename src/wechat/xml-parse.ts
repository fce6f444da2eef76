/**
 * Parsing callback XML (shared/WECHAT.md §2, §4.2, §15): the body → the element map of its
 * `<xml>` root, with the leaf readers the message mapping uses, and the outer envelope of an
 * encrypted callback. Markup declarations are refused where the parser tokenizes them.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '../errors.js';

/** A parsed element: text, a map of child elements, or a repeated element. */
export type XmlValue = string | XmlElementMap | XmlValue[];
/** The children of one element, by tag name; every leaf is a string (nothing is coerced). */
export interface XmlElementMap {
  [name: string]: XmlValue;
}

/** Elements that may repeat; always arrays so a single entry is not a special case (§2.3, §15). */
const ARRAY_PATHS = new Set([
  'xml.SendPicsInfo.PicList.item',
  'xml.SubscribeMsgPopupEvent.List',
  'xml.SubscribeMsgChangeEvent.List',
  'xml.SubscribeMsgSentEvent.List',
  'xml.PublishEventInfo.article_detail.item',
  'xml.CopyrightCheckResult.ResultList.item',
  'xml.ArticleUrlResult.ResultList.item',
  'xml.Articles.item',
]);

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
const ENTITY_REF = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|apos|quot);/g;

/** Decodes only XML's five predefined entities and character references, never DTD entities. */
function decodeXmlText(text: string): string {
  if (!text.includes('&')) {
    return text;
  }
  return text.replace(ENTITY_REF, (match, name: string) => {
    if (name[0] !== '#') {
      return PREDEFINED[name] ?? match;
    }
    const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : match;
  });
}

const MARKUP_DECLARATION_REFUSED = 'XML with DOCTYPE/ENTITY is not accepted';

/**
 * Refuses a markup declaration at the moment the tokenizer meets one (XXE, billion laughs,
 * §15). A string scan before parsing would have to re-implement the tokenizer's idea of what is
 * a comment, CDATA or markup, and a scan that skipped every `<![CDATA[` was fooled by one inside
 * a comment; here the parser itself decides, so CDATA text that mentions `<!DOCTYPE` is data.
 */
function refuseMarkupDeclaration(): never {
  throw new ValidationError(MARKUP_DECLARATION_REFUSED);
}

/**
 * Created once: this is the hot path. `parseTagValue: false` keeps MsgId, EventKey and all-digit
 * Content as exact strings (§2.1 pitfall). fast-xml-parser's own entity machinery is replaced by
 * `decodeXmlText`; the parser hands the entities of a `<!DOCTYPE` to `addInputEntities`, which
 * refuses the document, and reads `<!ENTITY`, `<!ELEMENT` … outside one as a tag named `!…`,
 * which `transformTagName` refuses. So no entity can expand. CDATA content is never
 * entity-decoded by the parser, which is what XML requires.
 */
const parser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  processEntities: { enabled: true },
  entityDecoder: {
    decode: decodeXmlText,
    setExternalEntities: () => undefined,
    addInputEntities: refuseMarkupDeclaration,
    reset: () => undefined,
    setXmlVersion: () => undefined,
  },
  transformTagName: (name) => (name.startsWith('!') ? refuseMarkupDeclaration() : name),
  isArray: (_name, jPath) => typeof jPath === 'string' && ARRAY_PATHS.has(jPath),
});

/** Parses a callback body and returns the children of its `<xml>` root. */
export function parseRoot(xml: string): XmlElementMap {
  if (typeof xml !== 'string' || xml.trim().length === 0) {
    throw new ValidationError('malformed XML: empty body');
  }
  // The tokenizer runs first: it is where markup declarations are refused.
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw error;
    }
    // The tokenizer hands a `<!DOCTYPE` to its DocTypeReader, which reads the declarations
    // before giving their entities to addInputEntities and may refuse them itself first
    // (an external entity, say): that too is a markup declaration refused.
    if (error instanceof Error && error.stack?.includes('DocTypeReader')) {
      throw new ValidationError(MARKUP_DECLARATION_REFUSED, error);
    }
    throw new ValidationError(`malformed XML: ${(error as Error).message}`, error);
  }
  // The parser is lenient (it accepts mismatched close tags), so validate too.
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new ValidationError(`malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  }
  const names = typeof document === 'object' && document !== null ? Object.keys(document) : [];
  if (names.length !== 1 || names[0] !== 'xml') {
    throw new ValidationError('root element must be <xml>');
  }
  const root = (document as { xml: XmlValue }).xml;
  if (root === '') {
    return {};
  }
  if (typeof root !== 'object' || Array.isArray(root)) {
    throw new ValidationError('root element must be <xml>');
  }
  return root;
}

/** The text of a leaf element; absent → undefined; an element with children is invalid. */
export function text(map: XmlElementMap, name: string, path = name): string | undefined {
  const value = map[name];
  if (value === undefined || typeof value === 'string') {
    return value;
  }
  throw new ValidationError(`${path}: expected a single text value`);
}

/** A string field the union types as required: WeChat omitting it is tolerated as ''. */
export function str(map: XmlElementMap, name: string, path = name): string {
  return text(map, name, path) ?? '';
}

/** Set only when present and non-empty (optional fields such as Ticket or Recognition). */
export function optional(map: XmlElementMap, name: string, path = name): string | undefined {
  const value = text(map, name, path);
  return value === undefined || value === '' ? undefined : value;
}

/** A required number (Location_X, Scale …). */
export function num(map: XmlElementMap, name: string, path = name): number {
  const value = text(map, name, path);
  if (value === undefined || value.trim() === '') {
    throw new ValidationError(`${path}: required`);
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    throw new ValidationError(`${path}: must be a number`);
  }
  return parsed;
}

/** Counts in job-result events: absent means 0 (they are informational, §2.4). */
export function count(map: XmlElementMap, name: string, path = name): number {
  return map[name] === undefined || map[name] === '' ? 0 : num(map, name, path);
}

/** The children of a wrapper element (ScanCodeInfo, SendPicsInfo …); absent or empty → none. */
export function child(map: XmlElementMap, name: string): XmlElementMap {
  const value = map[name];
  if (value === undefined || value === '') {
    return {};
  }
  if (typeof value === 'string' || Array.isArray(value)) {
    throw new ValidationError(`${name}: expected child elements`);
  }
  return value;
}

/** A repeated element as a list of element maps (one entry is a list of one). */
export function list(map: XmlElementMap, name: string): XmlElementMap[] {
  const value = map[name];
  const items = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return items.map((item) => (typeof item === 'object' && !Array.isArray(item) ? item : {}));
}

/** The outer body of an encrypted callback. */
export interface EncryptedEnvelope {
  toUserName?: string;
  encrypt: string;
}

/** The safe-mode body `<xml><ToUserName/><Encrypt/></xml>` (§4.2); also accepts compatible mode. */
export function parseEncryptedEnvelope(xml: string): EncryptedEnvelope {
  const root = parseRoot(xml);
  const encrypt = optional(root, 'Encrypt');
  if (encrypt === undefined) {
    throw new ValidationError('Encrypt: required');
  }
  const toUserName = optional(root, 'ToUserName');
  return toUserName === undefined ? { encrypt } : { toUserName, encrypt };
}
