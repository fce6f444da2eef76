import { describe, expect, it } from 'vitest';
import { toOpsMessage } from '../../src/ops-channel/to-ops-message.js';

const contacts = {
  '@@group1': { UserName: '@@group1', NickName: '小满客服群' },
  '@boss': { UserName: '@boss', NickName: 'wang', RemarkName: '店长老王' },
};

describe('wechat4u messages as ops messages', () => {
  it('takes the sender out of a group text', () => {
    expect(toOpsMessage({ MsgType: 1, FromUserName: '@@group1', Content: '小李:\n/take A7K2' }, contacts)).toEqual({
      conversationId: '@@group1',
      conversationName: '小满客服群',
      isGroup: true,
      senderName: '小李',
      text: '/take A7K2',
      fromSelf: false,
    });
  });

  it('names a private-chat sender by remark first', () => {
    expect(toOpsMessage({ MsgType: 1, FromUserName: '@boss', Content: '您好' }, contacts)).toMatchObject({
      isGroup: false,
      senderName: '店长老王',
      text: '您好',
    });
  });

  it("ignores anything that is not text, and marks the account's own messages", () => {
    expect(toOpsMessage({ MsgType: 3, FromUserName: '@boss', Content: '' }, contacts)).toBeNull();
    expect(toOpsMessage({ MsgType: 1, FromUserName: '@boss', Content: 'x', isSendBySelf: true }, contacts)?.fromSelf).toBe(true);
  });
});
