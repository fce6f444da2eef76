/**
 * PURE: the "fans by tier over the last 8 weeks" picture of `/stats chart` — one stacked bar
 * per week (new, active, dormant, unsubscribed, SPEC.md §2) from the weekly snapshots.
 */
import type { ActivityTier } from '../fans/fan-model.js';
import type { ChartImage } from './render-chart.js';

export interface WeekSnapshot {
  /** The end of the week the counts are taken at. */
  at: Date;
  counts: Record<ActivityTier, number>;
}

const TIERS: { tier: ActivityTier; label: string; color: string }[] = [
  { tier: 'new', label: '新关注（7 天内）', color: '#59a14f' },
  { tier: 'active', label: '活跃', color: '#4e79a7' },
  { tier: 'dormant', label: '沉默（30 天未互动）', color: '#bab0ac' },
  { tier: 'unsubscribed', label: '已取关', color: '#e15759' },
];

export function tierChart(weeks: readonly WeekSnapshot[], timezone: string): ChartImage {
  const day = new Intl.DateTimeFormat('zh-CN', { timeZone: timezone, month: '2-digit', day: '2-digit' });
  const last = weeks.at(-1);
  const notes = last
    ? [`截至 ${day.format(last.at)}：${TIERS.map(({ tier, label }) => `${label.replace(/（.*）/, '')} ${last.counts[tier]}`).join('，')}`]
    : [];
  return {
    panels: [
      {
        title: '近 8 周粉丝分层（人）',
        labels: weeks.map((week) => day.format(week.at)),
        stacked: true,
        datasets: TIERS.map(({ tier, label, color }) => ({ label, color, data: weeks.map((week) => week.counts[tier]) })),
      },
    ],
    notes,
  };
}
