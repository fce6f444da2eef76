/**
 * PURE + file: `templates/menus.yaml`, the one definition of the account's menus (WECHAT.md
 * §10) — the default menu and a conditional menu per tag — and of what each click button
 * answers, so a published key and its reply cannot drift apart. WeChat's limits are checked
 * when the file is read, and a broken one is named with its line (the yaml library's node
 * positions): 1–3 buttons, 1–5 sub-buttons, names ≤ 16 bytes (≤ 60 in a sub-menu), keys
 * ≤ 128 bytes, URLs ≤ 1,024 bytes.
 */
import path from 'node:path';
import Mustache from 'mustache';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { readOptionalFile } from '../lib/yaml-file.js';

export const MAX_BUTTONS = 3;
export const MAX_SUB_BUTTONS = 5;
export const MAX_TOP_NAME_BYTES = 16;
export const MAX_SUB_NAME_BYTES = 60;
export const MAX_KEY_BYTES = 128;
export const MAX_URL_BYTES = 1024;

/** A button as fanhook knows it: a click (key + reply), a link, or a sub-menu. */
export type MenuButton =
  | { kind: 'click'; name: string; key: string; reply: string }
  | { kind: 'view'; name: string; url: string }
  | { kind: 'sub'; name: string; buttons: MenuButton[] };

export interface MenuSet {
  /** The menu every fan sees unless a tag menu matches; empty when the file has none. */
  default: MenuButton[];
  /** Conditional menus by fanhook tag name, in file order (WeChat matches the newest first). */
  tags: ReadonlyMap<string, MenuButton[]>;
  /** Every click key → its reply template. */
  clickReplies: ReadonlyMap<string, string>;
}

export const EMPTY_MENUS: MenuSet = { default: [], tags: new Map(), clickReplies: new Map() };

const buttonSchema = z.strictObject({
  name: z.string({ error: 'needs a name' }).trim().min(1, 'needs a name'),
  key: z.string().trim().min(1).optional(),
  reply: z.string().trim().min(1).max(2000, 'is longer than 2000 characters').optional(),
  url: z.url({ error: 'must be an http(s) URL' }).optional(),
  sub: z.array(z.unknown()).optional(),
});
const fileSchema = z.strictObject({
  default: z.array(z.unknown()).default([]),
  tags: z.record(z.string(), z.array(z.unknown())).default({}),
});

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Reads the file text; throws ValidationError naming the line and what breaks the rules. */
export function parseMenuFile(text: string, file = 'menus.yaml'): MenuSet {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const at = (where: (string | number)[]): string => lineOf(doc, lines, where);
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new ValidationError(`${file}: not valid YAML (line ${first.linePos?.[0].line ?? '?'}): ${first.message.split('\n')[0]}`);
  }
  const parsed = fileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(`${file}${at(issue.path as (string | number)[])}: ${issue.path.join('.') || '(root)'} ${issue.message}`);
  }
  const clickReplies = new Map<string, string>();
  const fail = (where: (string | number)[], message: string): never => {
    throw new ValidationError(`${file}${at(where)}: ${where.join('.')} ${message}`);
  };
  const readMenu = (raw: unknown[], where: (string | number)[]): MenuButton[] => {
    if (raw.length > MAX_BUTTONS) {
      fail([...where, MAX_BUTTONS], `is button ${MAX_BUTTONS + 1}: a menu has at most ${MAX_BUTTONS} buttons`);
    }
    return raw.map((button, i) => readButton(button, [...where, i], true));
  };
  const readButton = (raw: unknown, where: (string | number)[], top: boolean): MenuButton => {
    const checked = buttonSchema.safeParse(raw);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      return fail([...where, ...(issue.path as (string | number)[])], issue.message);
    }
    const b = checked.data;
    const maxName = top ? MAX_TOP_NAME_BYTES : MAX_SUB_NAME_BYTES;
    if (bytes(b.name) > maxName) {
      fail(
        [...where, 'name'],
        `"${b.name}" is ${bytes(b.name)} bytes; WeChat allows ${maxName} (${top ? 'about 5 Chinese characters at the top' : 'about 20 Chinese characters in a sub-menu'})`,
      );
    }
    const kinds = [b.key !== undefined, b.url !== undefined, b.sub !== undefined].filter(Boolean).length;
    if (kinds !== 1) {
      fail(where, 'needs exactly one of key (with reply), url or sub');
    }
    if (b.sub !== undefined) {
      if (!top) {
        fail([...where, 'sub'], 'is a sub-menu inside a sub-menu; WeChat menus have two levels');
      }
      if (b.sub.length === 0 || b.sub.length > MAX_SUB_BUTTONS) {
        fail(
          b.sub.length === 0 ? [...where, 'sub'] : [...where, 'sub', MAX_SUB_BUTTONS],
          `must have 1–${MAX_SUB_BUTTONS} sub-buttons (it has ${b.sub.length})`,
        );
      }
      return { kind: 'sub', name: b.name, buttons: b.sub.map((sub, i) => readButton(sub, [...where, 'sub', i], false)) };
    }
    if (b.url !== undefined) {
      if (b.reply !== undefined) {
        fail([...where, 'reply'], 'is for click buttons (with key); a url button opens the page');
      }
      if (bytes(b.url) > MAX_URL_BYTES) {
        fail([...where, 'url'], `is longer than ${MAX_URL_BYTES} bytes`);
      }
      return { kind: 'view', name: b.name, url: b.url };
    }
    const key = b.key!;
    if (bytes(key) > MAX_KEY_BYTES || !/^[A-Za-z0-9_\-:.]+$/.test(key)) {
      fail([...where, 'key'], `must be letters, digits, _ - : . and at most ${MAX_KEY_BYTES} bytes`);
    }
    if (b.reply === undefined) {
      return fail([...where, 'key'], `"${key}" needs a reply (what the bot answers when it is tapped)`);
    }
    try {
      Mustache.parse(b.reply);
    } catch (error) {
      fail([...where, 'reply'], `bad template syntax: ${(error as Error).message}`);
    }
    const before = clickReplies.get(key);
    if (before !== undefined && before !== b.reply) {
      fail([...where, 'key'], `"${key}" is used by another button with a different reply; one key, one answer`);
    }
    clickReplies.set(key, b.reply);
    return { kind: 'click', name: b.name, key, reply: b.reply };
  };
  const defaultMenu = readMenu(parsed.data.default, ['default']);
  const tags = new Map<string, MenuButton[]>();
  for (const [tag, raw] of Object.entries(parsed.data.tags)) {
    if (raw.length === 0) {
      fail(['tags', tag], 'needs at least one button');
    }
    tags.set(tag, readMenu(raw, ['tags', tag]));
  }
  if (tags.size > 0 && defaultMenu.length === 0) {
    fail(['tags'], 'need a default menu: WeChat shows tag menus only beside one (65303)');
  }
  return { default: defaultMenu, tags, clickReplies };
}

/** ` (line N)` of the node at `where`, or of its nearest ancestor that exists. */
function lineOf(doc: Document, lines: LineCounter, where: (string | number)[]): string {
  for (let depth = where.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(where.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      return ` (line ${lines.linePos(node.range[0]).line})`;
    }
  }
  return '';
}

/** Reads menus.yaml; undefined when the file does not exist (the account has no fanhook menus). */
export async function loadMenuFile(dir: string): Promise<MenuSet | undefined> {
  const text = await readOptionalFile(path.join(dir, 'menus.yaml'));
  return text === undefined ? undefined : parseMenuFile(text);
}
