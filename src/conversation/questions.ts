/**
 * The merchant's profile questions (`templates/questions.yaml`): what to ask, how to check
 * the answer, and which attribute stores it. Validated as a whole like replies.yaml.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Mustache from 'mustache';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { isObjectBuiltin } from '../lib/own-value.js';
import { parseYamlFile } from '../lib/yaml-file.js';

const text = z.string().trim().min(1, 'must not be empty').max(600, 'is longer than 600 characters');
const words = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

const questionBase = {
  key: z
    .string()
    .regex(/^[a-z][a-zA-Z0-9_]{0,31}$/, 'must be a simple attribute name like size or birthday')
    .refine((key) => !isObjectBuiltin(key), 'must not be a name every object has (constructor, toString…)'),
  ask: text,
  retry: text,
  thanks: text,
  /** Ask only after the fan clicked one of these menu keys or wrote one of these words. */
  after: z.strictObject({ menuKey: words.optional(), keyword: words.optional() }).optional(),
};

export const questionSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      ...questionBase,
      type: z.literal('choice'),
      choices: z.record(z.string().min(1), z.array(z.string().min(1)).default([])),
    }),
    z.strictObject({ ...questionBase, type: z.literal('date') }),
    z.strictObject({
      ...questionBase,
      type: z.literal('text'),
      pattern: z.string().optional(),
      maxLength: z.number().int().min(1).max(100).default(20),
      strip: z.array(z.string()).default([]),
    }),
  ],
  { error: 'type must be choice, date or text' },
);

export const questionFileSchema = z.strictObject({
  settings: z
    .strictObject({
      minHoursBetweenQuestions: z.number().min(0).default(20),
      maxAttempts: z.number().int().min(1).max(5).default(2),
      skipWords: z.array(z.string().min(1)).default(['跳过', '不想说', 'skip']),
      skipped: text.default('好的，不问啦～'),
      gaveUp: text.default('没关系，以后再说～'),
    })
    .prefault({}),
  questions: z.array(questionSchema).default([]),
});

export type ProfileQuestion = z.output<typeof questionSchema>;
export type QuestionSet = z.output<typeof questionFileSchema>;

/** Parses questions.yaml text; throws ValidationError naming the question and field. */
export function parseQuestions(source: string, file = 'questions.yaml'): QuestionSet {
  const data = parseYamlFile(source, file);
  const parsed = questionFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [section, index, ...rest] = issue.path;
    const key =
      section === 'questions' && typeof index === 'number'
        ? (data as { questions?: { key?: unknown }[] }).questions?.[index]?.key
        : undefined;
    const where =
      typeof key === 'string'
        ? `question "${key}" (questions[${String(index)}]): ${rest.join('.') || '(the entry)'}`
        : issue.path.join('.') || '(root)';
    throw new ValidationError(`${file}: ${where} ${issue.message}`);
  }
  for (const question of parsed.data.questions) {
    for (const template of [question.ask, question.retry, question.thanks]) {
      try {
        Mustache.parse(template);
      } catch (error) {
        throw new ValidationError(`${file}: question "${question.key}": bad template syntax: ${(error as Error).message}`);
      }
    }
  }
  return parsed.data;
}

/** Reads `questions.yaml` from the templates directory (none: no questions). */
export async function loadQuestions(dir: string): Promise<QuestionSet> {
  const file = path.join(dir, 'questions.yaml');
  const source = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return '';
    }
    throw error;
  });
  return parseQuestions(source, 'questions.yaml');
}
