/**
 * The merchant's reply templates (`templates/replies.yaml`): loaded and validated as a
 * whole, rendered per fan with Mustache. An invalid file is refused with a message naming
 * the field, and the previous set stays in use.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Mustache from 'mustache';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { parseYamlFile } from '../lib/yaml-file.js';

const templateText = z.string().trim().min(1, 'must not be empty').max(2000, 'is longer than 2000 characters');
/** Texts by a key a fan sends (menu key, QR scene): a Map, so a fan's `__proto__` is just a key nobody wrote. */
const textsByKey = z.record(z.string(), templateText).transform((record) => new Map(Object.entries(record)));

export const repliesSchema = z
  .object({
    shopName: z.string().trim().min(1).default('本店'),
    welcome: z.object({
      default: templateText,
      scenes: textsByKey.default(new Map()),
    }),
    fallback: templateText,
    /** Keyword replies: the first entry whose `match` word the text contains answers. */
    keywords: z
      .array(
        z.strictObject({
          match: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
          reply: templateText,
        }),
      )
      .default([]),
    /** Click replies by menu key — read only where there is no menus.yaml (template-registry.ts). */
    menus: textsByKey.default(new Map()),
  })
  .passthrough();

export type ReplyTemplates = z.infer<typeof repliesSchema>;

/** Formats the first zod issue as "file: path.to.field message". */
export function describeIssue(file: string, error: z.ZodError): string {
  const issue = error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return `${file}: ${where} ${issue.message}`;
}

/** Parses YAML text into templates; throws ValidationError naming the bad field. */
export function parseReplyTemplates(text: string, file = 'replies.yaml'): ReplyTemplates {
  const data = parseYamlFile(text, file);
  const parsed = repliesSchema.safeParse(data);
  if (!parsed.success) {
    throw new ValidationError(describeIssue(file, parsed.error));
  }
  // Render once with empty data so a broken Mustache tag fails now, not in front of a fan.
  const texts = [
    parsed.data.fallback,
    parsed.data.welcome.default,
    ...parsed.data.welcome.scenes.values(),
    ...parsed.data.keywords.map((entry) => entry.reply),
    ...parsed.data.menus.values(),
  ];
  for (const text of texts) {
    try {
      Mustache.parse(text);
    } catch (error) {
      throw new ValidationError(`${file}: bad template syntax: ${(error as Error).message}`);
    }
  }
  return parsed.data;
}

/** Reads `replies.yaml` from the templates directory. */
export async function loadReplyTemplates(dir: string): Promise<ReplyTemplates> {
  const file = path.join(dir, 'replies.yaml');
  return parseReplyTemplates(await readFile(file, 'utf8'), 'replies.yaml');
}

/**
 * Renders a template with per-fan variables; no HTML escaping (chat text is not HTML). The view
 * is copied into prototype-free objects: Mustache finds names with `in`, so without this a
 * `{{fan.attributes.constructor}}` would reach Object's constructor (and call it).
 */
export function renderTemplate(template: string, view: Record<string, unknown>): string {
  return Mustache.render(template, dataOnly(view), undefined, { escape: (value: string) => value }).trim();
}

/** Plain objects (and those inside arrays) as prototype-free copies; other values as they are. */
function dataOnly(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(dataOnly);
  }
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) {
    return value;
  }
  const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, inner] of Object.entries(value)) {
    copy[key] = dataOnly(inner);
  }
  return copy;
}
