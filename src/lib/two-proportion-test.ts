/**
 * PURE: the two-proportion z-test — is the share of "successes" in group A really different
 * from group B, or could chance alone explain the gap? Used to tell a merchant whether a
 * broadcast's lift over its holdout means anything.
 */

export interface Proportion {
  successes: number;
  total: number;
}

export interface TwoProportionResult {
  /** False when a group is too small for the normal approximation (fewer than 5 expected successes or failures). */
  enoughData: boolean;
  z: number;
  /** Two-sided p-value; 1 when there is nothing to compare. */
  pValue: number;
}

/** Expected successes and failures per group below this make the z-test unreliable (the usual rule of thumb). */
export const MIN_EXPECTED = 5;

/** Compares the success shares of `a` and `b` with a pooled two-proportion z-test. */
export function twoProportionTest(a: Proportion, b: Proportion): TwoProportionResult {
  if (a.total <= 0 || b.total <= 0) {
    return { enoughData: false, z: 0, pValue: 1 };
  }
  const pooled = (a.successes + b.successes) / (a.total + b.total);
  const enoughData = [a.total, b.total].every((n) => n * pooled >= MIN_EXPECTED && n * (1 - pooled) >= MIN_EXPECTED);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / a.total + 1 / b.total));
  if (standardError === 0) {
    return { enoughData, z: 0, pValue: 1 };
  }
  const z = (a.successes / a.total - b.successes / b.total) / standardError;
  return { enoughData, z, pValue: Math.min(1, 2 * (1 - standardNormalCdf(Math.abs(z)))) };
}

/** Φ(x) through the error function (Abramowitz & Stegun 7.1.26, error < 1.5e-7). */
export function standardNormalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
