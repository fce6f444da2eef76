/**
 * The product's own recurring pushes (`templates/series.yaml`): birthday care from the
 * `birthday` attribute and a welcome series for new followers. Each firing becomes an ordinary
 * broadcast (system audience, template content), so it obeys the same quota and delivery rules
 * and shows in /jobs and /report. One broadcast per series step and day, whichever instance fires.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isDuplicateKeyError } from '../db/model.js';
import { ValidationError } from '../errors.js';
import { parseYamlFile } from '../lib/yaml-file.js';
import { describeIssue } from '../conversation/templates.js';
import type { BroadcastDeps } from './broadcast-deps.js';
import { getBroadcastModel, nextBroadcastNumber, type Broadcast } from './broadcast-model.js';
import { startOfDayIn, zonedParts } from './zoned-time.js';

const hour = z.string().regex(/^([01]?\d|2[0-3]):00$/, 'must be HH:00');
const seriesSchema = z.object({
  birthday: z.object({ enabled: z.boolean().default(true), at: hour, template: z.string().min(1) }).optional(),
  welcome: z.array(z.object({ afterDays: z.number().int().min(1).max(60), at: hour, template: z.string().min(1) })).default([]),
});
export type SeriesConfig = z.infer<typeof seriesSchema>;

/** Reads `series.yaml`; a missing file means no series. */
export async function loadSeries(dir: string): Promise<SeriesConfig> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'series.yaml'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { welcome: [] };
    }
    throw error;
  }
  const parsed = seriesSchema.safeParse(parseYamlFile(text, 'series.yaml'));
  if (!parsed.success) {
    throw new ValidationError(describeIssue('series.yaml', parsed.error));
  }
  return parsed.data;
}

/** Creates the broadcasts of the series steps due in the current hour; returns their numbers. */
export async function fireDueSeries(deps: BroadcastDeps): Promise<number[]> {
  const series = await loadSeries(deps.templatesDir);
  const now = deps.clock.now();
  const p = zonedParts(now, deps.timezone);
  const two = (n: number): string => String(n).padStart(2, '0');
  const due = (at: string): boolean => Number(at.split(':')[0]) === p.hour;
  const today = `${p.year}-${two(p.month)}-${two(p.day)}`;
  const created: number[] = [];
  if (series.birthday?.enabled && due(series.birthday.at)) {
    const system = { kind: 'birthday' as const, monthDay: `${two(p.month)}-${two(p.day)}` };
    created.push(...(await createSeriesBroadcast(deps, `s:birthday:${today}`, '生日关怀', system, series.birthday.template)));
  }
  const midnight = startOfDayIn(now, deps.timezone).getTime();
  for (const step of series.welcome.filter((s) => due(s.at))) {
    const from = new Date(midnight - step.afterDays * 86_400_000);
    const system = { kind: 'welcome' as const, from, to: new Date(from.getTime() + 86_400_000) };
    created.push(
      ...(await createSeriesBroadcast(
        deps,
        `s:welcome${step.afterDays}:${today}`,
        `欢迎系列 第 ${step.afterDays} 天`,
        system,
        step.template,
      )),
    );
  }
  return created;
}

async function createSeriesBroadcast(
  deps: BroadcastDeps,
  firingKey: string,
  expr: string,
  system: Broadcast['system'],
  template: string,
): Promise<number[]> {
  const number = await nextBroadcastNumber(deps.connection);
  const broadcast: Broadcast = {
    number,
    expr,
    system,
    content: { type: 'template', name: template },
    state: 'queued',
    createdBy: 'system',
    createdAt: deps.clock.now(),
    firingKey,
  };
  try {
    await getBroadcastModel(deps.connection).create(broadcast);
    return [number];
  } catch (error) {
    if (isDuplicateKeyError(error)) {
      return [];
    }
    throw error;
  }
}

/** /jobs lines describing the configured series. */
export async function seriesLines(deps: BroadcastDeps): Promise<string[]> {
  const series = await loadSeries(deps.templatesDir);
  const lines = series.birthday?.enabled ? [`生日关怀：每天 ${series.birthday.at}，模板 ${series.birthday.template}`] : [];
  return [...lines, ...series.welcome.map((s) => `欢迎系列：关注后第 ${s.afterDays} 天 ${s.at}，模板 ${s.template}`)];
}
