/**
 * PURE: the picture of one broadcast for `/report <id> chart` — who it reached (delivery
 * bars) and what it brought back (click and order rates of the sent group beside the
 * holdout's), with the lift and its plain-words verdict under the bars.
 */
import { formatEffect } from '../broadcast/effect-report.js';
import type { BroadcastEffect } from '../broadcast/measure-effect.js';
import type { AudienceNumbers, BroadcastResults } from '../broadcast/broadcast-model.js';
import type { ChartImage } from './render-chart.js';

const SENT = '#4e79a7';
const HOLDOUT = '#f28e2b';
const rate = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);

export function effectChart(props: {
  number: number;
  plan: AudienceNumbers | undefined;
  results: Pick<BroadcastResults, 'customerSent' | 'massTotal'>;
  effect: BroadcastEffect | null;
  timezone: string;
}): ChartImage {
  const { plan, results, effect } = props;
  const delivery = {
    title: `群发 #${props.number} 送达（人）`,
    labels: ['目标粉丝', '客服消息送达', '群发提交', '对照组（未发送）', '额度满/无法送达'],
    datasets: [
      {
        label: '人数',
        data: [
          plan?.total ?? 0,
          results.customerSent,
          results.massTotal,
          plan?.holdout ?? 0,
          (plan?.quotaExcluded ?? 0) + (plan?.unreachable ?? 0),
        ],
        color: SENT,
      },
    ],
  };
  if (!effect) {
    return { panels: [delivery], notes: ['尚未发送，还没有效果数据。'] };
  }
  const { sent, holdout } = effect;
  const outcome = {
    title: `效果（推送后 ${effect.window.days} 天）`,
    labels: ['点击率', '下单率'],
    unit: '%',
    datasets: [
      { label: `群发组（${sent.fans} 人）`, data: [rate(sent.clickers, sent.fans), rate(sent.buyers, sent.fans)], color: SENT },
      ...(holdout ? [{ label: `对照组（${holdout.fans} 人）`, data: [null, rate(holdout.buyers, holdout.fans)], color: HOLDOUT }] : []),
    ],
  };
  // The report's own lift and verdict lines, so the picture and the text never disagree.
  const notes = formatEffect(effect, props.timezone).filter((line) => /^(提升|说明|未设对照组)/.test(line));
  return { panels: [delivery, outcome], notes };
}
