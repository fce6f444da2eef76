/**
 * Broadcast templates (`templates/broadcasts.yaml`): read fresh at every use, so the merchant's
 * edits apply to the next draft without a reload, and rendered per fan with Mustache.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Mustache from 'mustache';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { parseYamlFile } from '../lib/yaml-file.js';
import type { Fan } from '../fans/fan-model.js';
import { describeIssue, renderTemplate } from '../conversation/templates.js';
import { MAX_BROADCAST_TEXT, type BroadcastContent, type ResolvedContent } from './broadcast-content.js';

const broadcastsSchema = z.object({
  templates: z.record(z.string(), z.object({ text: z.string().trim().min(1).max(MAX_BROADCAST_TEXT) })).default({}),
});

export type BroadcastTemplates = ReadonlyMap<string, string>;

/** The fields of a fan a template may use. */
export type TemplateFan = Pick<Fan, 'openId' | 'attributes' | 'source' | 'location' | 'tags'>;

/** Reads and validates `broadcasts.yaml`; a missing file means no templates. */
export async function loadBroadcastTemplates(dir: string): Promise<BroadcastTemplates> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'broadcasts.yaml'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return new Map();
    }
    throw error;
  }
  const parsed = broadcastsSchema.safeParse(parseYamlFile(text, 'broadcasts.yaml'));
  if (!parsed.success) {
    throw new ValidationError(describeIssue('broadcasts.yaml', parsed.error));
  }
  const templates = new Map(Object.entries(parsed.data.templates).map(([name, t]) => [name, t.text] as const));
  for (const [name, body] of templates) {
    try {
      Mustache.parse(body);
    } catch (error) {
      throw new ValidationError(`broadcasts.yaml: templates.${name} bad template syntax: ${(error as Error).message}`);
    }
  }
  return templates;
}

/** What `fan` receives: the content itself, or the template rendered for that fan. */
export function resolveContent(
  content: BroadcastContent,
  fan: Partial<TemplateFan>,
  templates: BroadcastTemplates,
  shopName: string,
): ResolvedContent {
  if (content.type === 'notice') {
    // Notices are filled from notices.yaml by the notice batch (src/notices/notice-batch.ts).
    throw new ValidationError(`服务通知「${content.name}」不能作为群发消息发送`);
  }
  if (content.type !== 'template') {
    return content;
  }
  const template = templates.get(content.name);
  if (template === undefined) {
    throw new ValidationError(`模板「${content.name}」不存在（templates/broadcasts.yaml）`);
  }
  const view = {
    shopName,
    fan: {
      openId: fan.openId,
      attributes: fan.attributes ?? {},
      source: fan.source,
      region: fan.location?.region,
      tags: (fan.tags ?? []).map((t) => t.name),
    },
  };
  return { type: 'text', text: renderTemplate(template, view) };
}
