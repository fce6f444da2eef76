/**
 * PURE + file: service notices (`templates/notices.yaml`, WeChat template messages, WECHAT.md
 * §8.1). Each notice names the WeChat template id the merchant chose in the MP backend and
 * fills that template's keyword fields from Mustache texts with the same variables as reply
 * templates. The 2023 rules are enforced when the file is read: no `first`/`remark` fields
 * (WeChat no longer shows them) and no colours; a rendered value over 20 characters is cut,
 * and the caller is told which fields were cut so a preview can say so.
 */
import path from 'node:path';
import Mustache from 'mustache';
import { z } from 'zod';
import { describeIssue, renderTemplate } from '../conversation/templates.js';
import { ValidationError } from '../errors.js';
import { parseYamlFile, readOptionalFile } from '../lib/yaml-file.js';

/** Since May 2023 WeChat caps a keyword value at about 20 characters (category templates refuse more). */
export const MAX_NOTICE_VALUE_CHARS = 20;
const RETIRED_FIELDS = new Set(['first', 'remark']);
const FIELD_KEY = /^[a-z_]+[0-9]*$/;
const NOTICE_NAME = /^[\p{L}\p{N}_-]{1,40}$/u;

const fieldText = z
  .string({ error: 'must be a text (colours are not supported since May 2023)' })
  .trim()
  .min(1, 'must not be empty')
  .max(200);

const noticeSchema = z.strictObject({
  /** The template id from 模板消息 → 我的模板 in the MP backend. */
  templateId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be the template id shown in the MP backend'),
  /** Optional page the notice opens. */
  url: z.url({ error: 'must be an http(s) URL' }).optional(),
  fields: z
    .record(z.string(), fieldText)
    .refine((fields) => Object.keys(fields).length > 0, 'must name at least one keyword field')
    .superRefine((fields, ctx) => {
      for (const key of Object.keys(fields)) {
        if (RETIRED_FIELDS.has(key)) {
          ctx.addIssue({ code: 'custom', message: `"${key}" is no longer shown by WeChat since May 2023; remove it` });
        } else if (!FIELD_KEY.test(key)) {
          ctx.addIssue({ code: 'custom', message: `"${key}" is not a template keyword (like thing1, time2)` });
        }
      }
    }),
});

const noticesSchema = z.strictObject({
  /** The notice a staff reply becomes when the fan's 48-hour window has closed. */
  staffReply: z.string().regex(NOTICE_NAME).optional(),
  notices: z.record(z.string().regex(NOTICE_NAME, 'notice names are letters, digits, _ or -'), noticeSchema).default({}),
});

export type NoticeDefinition = z.infer<typeof noticeSchema>;

export interface NoticeTemplates {
  /** Name of the notice for staff replies outside the window, if configured. */
  staffReply: string | undefined;
  notices: ReadonlyMap<string, NoticeDefinition>;
}

/** A notice filled for one fan: the `data` of template/send and the fields that were cut. */
export interface RenderedNotice {
  name: string;
  templateId: string;
  url?: string;
  data: Record<string, { value: string }>;
  /** Keyword fields whose value was longer than 20 characters, with the text before cutting. */
  cut: { field: string; full: string }[];
}

/** Parses notices.yaml text; throws ValidationError naming the file, the notice and the field. */
export function parseNoticeTemplates(text: string, file = 'notices.yaml'): NoticeTemplates {
  const parsed = noticesSchema.safeParse(parseYamlFile(text, file) ?? {});
  if (!parsed.success) {
    throw new ValidationError(describeIssue(file, parsed.error));
  }
  const notices = new Map(Object.entries(parsed.data.notices));
  for (const [name, notice] of notices) {
    for (const [field, template] of Object.entries(notice.fields)) {
      try {
        Mustache.parse(template);
      } catch (error) {
        throw new ValidationError(`${file}: notices.${name}.fields.${field} bad template syntax: ${(error as Error).message}`);
      }
    }
  }
  if (parsed.data.staffReply !== undefined && !notices.has(parsed.data.staffReply)) {
    throw new ValidationError(`${file}: staffReply names "${parsed.data.staffReply}", which is not in notices`);
  }
  return { staffReply: parsed.data.staffReply, notices };
}

/** Reads notices.yaml afresh (edits apply at the next use); a missing file means no notices. */
export async function loadNoticeTemplates(dir: string): Promise<NoticeTemplates> {
  const text = await readOptionalFile(path.join(dir, 'notices.yaml'));
  return text === undefined ? { staffReply: undefined, notices: new Map() } : parseNoticeTemplates(text);
}

/**
 * Fills a notice for one recipient. `view` holds the reply-template variables (`shopName`,
 * `fan`) and any extra ones of the use (`reply` for a staff answer).
 */
export function renderNotice(name: string, notice: NoticeDefinition, view: Record<string, unknown>): RenderedNotice {
  const data: Record<string, { value: string }> = {};
  const cut: RenderedNotice['cut'] = [];
  for (const [field, template] of Object.entries(notice.fields)) {
    // A newline truncates a legacy template's value; a space reads the same in one line.
    const full = renderTemplate(template, view).replace(/\s*\n\s*/g, ' ');
    const value = cutToLimit(full);
    if (value !== full) {
      cut.push({ field, full });
    }
    data[field] = { value };
  }
  return { name, templateId: notice.templateId, ...(notice.url ? { url: notice.url } : {}), data, cut };
}

/** At most 20 characters (code points), the last one `…` when something was cut. */
function cutToLimit(text: string): string {
  const chars = [...text];
  return chars.length <= MAX_NOTICE_VALUE_CHARS ? text : `${chars.slice(0, MAX_NOTICE_VALUE_CHARS - 1).join('')}…`;
}

/** One line per cut field for a preview, in Chinese: `thing2 超过 20 字，已截断为「…」`. */
export function describeCuts(rendered: RenderedNotice): string[] {
  return rendered.cut.map(
    ({ field }) =>
      `⚠️ 字段 ${field} 超过 ${MAX_NOTICE_VALUE_CHARS} 字，已截断为「${rendered.data[field]!.value}」（2023 年起微信限制每个字段约 20 字）`,
  );
}
