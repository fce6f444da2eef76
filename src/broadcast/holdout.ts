/**
 * PURE: the holdout of a broadcast (SPEC.md §12) — a random share of the audience that is
 * deliberately not sent, so the report can compare what the push added. Membership is a
 * hash of the broadcast's seed and the openid: the same fans are held out in the preview, in
 * the plan and in a plan made again after a crash, and nobody has to remember a draw.
 */
import { createHash } from 'node:crypto';

export interface Holdout {
  /** Share of the audience held out, 0 < share ≤ 0.5. */
  share: number;
  /** Random per broadcast: fixes who is held out. */
  seed: string;
}

export const MAX_HOLDOUT_PERCENT = 50;
const DIRECTIVE = /(?:^|\s)(?:holdout|对照组?)\s*(\d{1,3}(?:\.\d+)?)\s*[%％]\s*$/i;

/**
 * Splits a trailing `holdout 10%` (or `对照组 10%`) off broadcast content. The directive is
 * never part of what fans receive; a bad percentage is a Chinese sentence for the admin.
 */
export function takeHoldoutDirective(text: string): { content: string; percent?: number } | { problem: string } {
  const match = DIRECTIVE.exec(text.trimEnd());
  if (!match) {
    return { content: text };
  }
  const percent = Number(match[1]);
  if (!(percent > 0 && percent <= MAX_HOLDOUT_PERCENT)) {
    return { problem: `对照组比例须大于 0% 且不超过 ${MAX_HOLDOUT_PERCENT}%` };
  }
  return { content: text.trimEnd().slice(0, match.index), percent };
}

/** True when `openId` is in the holdout of the broadcast with `holdout`. */
export function isHeldOut(holdout: Holdout, openId: string): boolean {
  const digest = createHash('sha256').update(holdout.seed).update('\u0000').update(openId).digest();
  // The first 48 bits as a uniform number in [0, 1).
  return digest.readUIntBE(0, 6) / 2 ** 48 < holdout.share;
}

/** "10%" for 0.1, as admins typed it. */
export function formatShare(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
