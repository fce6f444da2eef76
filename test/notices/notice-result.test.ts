import { describe, expect, it } from 'vitest';
import { noticeResultOf } from '../../src/notices/notice-send-model.js';

describe('TEMPLATESENDJOBFINISH Status', () => {
  it.each([
    ['success', 'delivered'],
    ['failed:user block', 'user_block'],
    ['failed: system failed', 'system_failed'],
    ['failed:system failed', 'system_failed'],
    ['failed:freq limit', 'failed'],
  ])('reads %j as %s', (status, result) => {
    expect(noticeResultOf(status)).toBe(result);
  });
});
