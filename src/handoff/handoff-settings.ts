/**
 * The merchant's handoff settings (`templates/handoff.yaml`): trigger keywords, fan notices,
 * business hours, timeouts and the mode. Validated as a whole; a failed reload keeps the old set.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Mustache from 'mustache';
import { z } from 'zod';
import { describeIssue, renderTemplate } from '../conversation/templates.js';
import { ValidationError } from '../errors.js';
import { parseYamlFile } from '../lib/yaml-file.js';

const text = z.string().trim().min(1, 'must not be empty').max(1000, 'is longer than 1000 characters');
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

/** The shape of `handoff.yaml`. */
export const handoffSettingsSchema = z.object({
  mode: z.enum(['staff', 'native']).default('staff'),
  keywords: z.array(z.string().trim().min(1)).min(1, 'needs at least one keyword'),
  businessHours: z.object({
    days: z.array(z.number().int().min(1).max(7)).min(1),
    open: clockTime,
    close: clockTime,
  }),
  timeouts: z.object({
    unclaimedMinutes: z.number().positive().default(10),
    idleMinutes: z.number().positive().default(30),
  }),
  notices: z.object({
    queued: text,
    queuedAfterHours: text,
    stillWaiting: text,
    taken: text,
    unclaimed: text,
    ended: text,
    idleClosed: text,
  }),
});

export type HandoffSettingsData = z.infer<typeof handoffSettingsSchema>;
export type HandoffNotice = keyof HandoffSettingsData['notices'];

/** Parses YAML text into settings; throws ValidationError naming the bad field. */
export function parseHandoffSettings(source: string, file = 'handoff.yaml'): HandoffSettingsData {
  const data = parseYamlFile(source, file);
  const parsed = handoffSettingsSchema.safeParse(data);
  if (!parsed.success) {
    throw new ValidationError(describeIssue(file, parsed.error));
  }
  for (const notice of Object.values(parsed.data.notices)) {
    try {
      Mustache.parse(notice);
    } catch (error) {
      throw new ValidationError(`${file}: bad template syntax: ${(error as Error).message}`);
    }
  }
  return parsed.data;
}

/** Holds the settings in use; `reload()` swaps them only when the file is valid. */
export class HandoffSettings {
  private constructor(
    private readonly file: string,
    private current: HandoffSettingsData,
  ) {}

  static async load(templatesDir: string): Promise<HandoffSettings> {
    const file = path.join(templatesDir, 'handoff.yaml');
    return new HandoffSettings(file, parseHandoffSettings(await readFile(file, 'utf8')));
  }

  /** Settings from data (tests, tools). */
  static of(data: HandoffSettingsData): HandoffSettings {
    return new HandoffSettings('(inline)', data);
  }

  get data(): HandoffSettingsData {
    return this.current;
  }

  async reload(): Promise<void> {
    this.current = parseHandoffSettings(await readFile(this.file, 'utf8'));
  }

  /** The keyword `text` contains, if any (case-insensitive). */
  keywordIn(text: string): string | undefined {
    const lower = text.toLowerCase();
    return this.current.keywords.find((k) => lower.includes(k.toLowerCase()));
  }

  /** A fan notice rendered with `view`. */
  notice(name: HandoffNotice, view: Record<string, unknown>): string {
    return renderTemplate(this.current.notices[name], view);
  }
}
