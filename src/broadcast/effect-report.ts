/**
 * PURE: the effect part of `/report` in the merchant's words — clicks, orders and revenue in
 * the attribution window for the fans who got the push and for the holdout, the lift, and
 * whether the difference could be chance (two-proportion z-test).
 */
import { twoProportionTest } from '../lib/two-proportion-test.js';
import type { BroadcastEffect, GroupOutcome } from './measure-effect.js';
import { formatZoned } from './zoned-time.js';

const percent = (part: number, whole: number): string => (whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '—');
const yuan = (fen: number): string => `¥${(fen / 100).toFixed(2)}`;

/** Lift of the sent group's order rate over the holdout's, and how much to trust it. */
export interface Lift {
  /** Percentage points: sent rate minus holdout rate. */
  points: number;
  /** Relative lift (0.5 = +50%); null when the holdout's rate is 0. */
  relative: number | null;
  /** Orders the push added beyond what the holdout suggests would have happened anyway. */
  extraBuyers: number;
  pValue: number;
  verdict: 'too_few' | 'not_significant' | 'significant';
}

export function liftOf(sent: GroupOutcome, holdout: GroupOutcome): Lift {
  const sentRate = sent.fans > 0 ? sent.buyers / sent.fans : 0;
  const holdoutRate = holdout.fans > 0 ? holdout.buyers / holdout.fans : 0;
  const test = twoProportionTest({ successes: sent.buyers, total: sent.fans }, { successes: holdout.buyers, total: holdout.fans });
  const verdict = !test.enoughData ? 'too_few' : test.pValue < 0.05 ? 'significant' : 'not_significant';
  return {
    points: (sentRate - holdoutRate) * 100,
    relative: holdoutRate > 0 ? sentRate / holdoutRate - 1 : null,
    extraBuyers: Math.round((sentRate - holdoutRate) * sent.fans),
    pValue: test.pValue,
    verdict,
  };
}

const VERDICT_TEXT: Record<Lift['verdict'], string> = {
  too_few: '说明：下单人数太少，这个差异还说明不了什么；等更多订单或对更多粉丝群发后再看。',
  not_significant: '说明：差异可能只是偶然（统计上不显著），暂时不能认定是这次群发带来的。',
  significant: '说明：差异在统计上显著，基本可以认定是这次群发带来的。',
};

/** The lines of the effect section. */
export function formatEffect(effect: BroadcastEffect, timezone: string): string[] {
  const { sent, holdout, window } = effect;
  const lines = [
    `效果（归因窗口：推送后 ${window.days} 天，${formatZoned(window.from, timezone)} 至 ${formatZoned(window.to, timezone)}${window.open ? '，尚未结束，数字还会增长' : ''}）`,
    `点击：${sent.clickers} 人（点击率 ${percent(sent.clickers, sent.fans)}），共 ${effect.clicks.total} 次，其中 ${effect.clicks.anonymous} 次未识别粉丝`,
    `群发组：${sent.fans} 人，下单 ${sent.buyers} 人（${percent(sent.buyers, sent.fans)}），${sent.orders} 单，销售额 ${yuan(sent.revenueFen)}`,
  ];
  if (!holdout) {
    lines.push('未设对照组：无法算出提升（下次可用 /broadcast … holdout 10%）');
    return lines;
  }
  lines.push(
    `对照组：${holdout.fans} 人（未发送），下单 ${holdout.buyers} 人（${percent(holdout.buyers, holdout.fans)}），${holdout.orders} 单，销售额 ${yuan(holdout.revenueFen)}`,
  );
  const lift = liftOf(sent, holdout);
  const relative = lift.relative === null ? '对照组无人下单，无法算相对提升' : `相对提升 ${signed(lift.relative * 100)}%`;
  lines.push(
    `提升：下单率 ${signed(lift.points)} 个百分点（${relative}），约多带来 ${lift.extraBuyers} 位下单粉丝；人均销售额 ${perFan(sent)} 对 ${perFan(holdout)}`,
  );
  lines.push(`${VERDICT_TEXT[lift.verdict]}（双比例检验 p=${lift.pValue.toFixed(2)}）`);
  return lines;
}

function signed(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)}`;
}

function perFan(group: GroupOutcome): string {
  return group.fans > 0 ? yuan(Math.round(group.revenueFen / group.fans)) : '—';
}
