import { describe, expect, it } from 'vitest';
import { describeCuts, parseNoticeTemplates, renderNotice } from '../../src/notices/notice-templates.js';

const file = (fields: string) => `staffReply: reply\nnotices:\n  reply:\n    templateId: TPL_reply_0000000001\n    fields:\n${fields}`;

describe('notices.yaml', () => {
  it('refuses first/remark fields, which WeChat stopped showing in May 2023', () => {
    expect(() => parseNoticeTemplates(file("      first: '您好'\n      thing1: '{{reply}}'\n"))).toThrow(
      'notices.yaml: notices.reply.fields "first" is no longer shown by WeChat since May 2023; remove it',
    );
  });

  it('refuses a colour (a field that is not plain text)', () => {
    expect(() => parseNoticeTemplates(file("      thing1: { value: '{{reply}}', color: '#FF0000' }\n"))).toThrow(
      'colours are not supported',
    );
  });

  it('refuses a staffReply that names no notice', () => {
    expect(() => parseNoticeTemplates('staffReply: nope\nnotices: {}\n')).toThrow('staffReply names "nope", which is not in notices');
  });

  it('cuts a value over 20 characters and says which field was cut', () => {
    const templates = parseNoticeTemplates(file("      thing1: '{{shopName}}'\n      thing2: '{{reply}}'\n"));
    const rendered = renderNotice('reply', templates.notices.get('reply')!, {
      shopName: '小满',
      reply: '一二三四五六七八九十一二三四五六七八九十一',
    });
    expect(rendered.data).toEqual({ thing1: { value: '小满' }, thing2: { value: '一二三四五六七八九十一二三四五六七八九…' } });
    expect(describeCuts(rendered)).toEqual([
      expect.stringContaining('字段 thing2 超过 20 字，已截断为「一二三四五六七八九十一二三四五六七八九…」'),
    ]);
  });
});
