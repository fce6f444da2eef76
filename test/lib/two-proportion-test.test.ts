import { describe, expect, it } from 'vitest';
import { standardNormalCdf, twoProportionTest } from '../../src/lib/two-proportion-test.js';

describe('two-proportion z-test', () => {
  it('matches the textbook value for 60/1000 against 40/1000', () => {
    // pooled p = 0.05, se = sqrt(0.05 * 0.95 * 2 / 1000) = 0.009747, z = 0.02 / se = 2.052, p = 0.0402
    const result = twoProportionTest({ successes: 60, total: 1000 }, { successes: 40, total: 1000 });
    expect(result.enoughData).toBe(true);
    expect(result.z).toBeCloseTo(2.052, 2);
    expect(result.pValue).toBeCloseTo(0.0402, 3);
  });

  it('finds no difference between equal shares', () => {
    const result = twoProportionTest({ successes: 30, total: 600 }, { successes: 5, total: 100 });
    expect(result.z).toBeCloseTo(0, 6);
    expect(result.pValue).toBeCloseTo(1, 6);
  });

  it('says when there are too few successes for the test to mean anything', () => {
    expect(twoProportionTest({ successes: 3, total: 90 }, { successes: 0, total: 10 }).enoughData).toBe(false);
    expect(twoProportionTest({ successes: 0, total: 0 }, { successes: 0, total: 10 })).toEqual({ enoughData: false, z: 0, pValue: 1 });
  });

  it('computes the normal distribution accurately', () => {
    expect(standardNormalCdf(0)).toBeCloseTo(0.5, 7);
    expect(standardNormalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(standardNormalCdf(-1.96)).toBeCloseTo(0.025, 4);
    expect(standardNormalCdf(3)).toBeCloseTo(0.99865, 5);
  });
});
