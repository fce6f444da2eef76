import { describe, expect, it } from 'vitest';
import { toOpsMessage } from '../../src/ops-channel/to-ops-message.js';

const contacts = {
  '@@group1': { UserName: '@@group1', NickName: '小满客服群' },
  '@@ops': { UserName: '@@ops', NickName: '随便什么名字', RemarkName: '运维' },
  '@boss': { UserName: '@boss', NickName: 'wang', RemarkName: '店长老王' },
  '@li': { UserName: '@li', NickName: 'li', RemarkName: '小李' },
  '@twin1': { UserName: '@twin1', NickName: 'a', RemarkName: '双胞胎' },
  '@twin2': { UserName: '@twin2', NickName: 'b', RemarkName: '双胞胎' },
  '@nick': { UserName: '@nick', NickName: '店长老王' },
};

describe('wechat4u messages as ops messages', () => {
  it('takes the sender out of a group text, identified by the remark of their id, not their display name', () => {
    const raw = { MsgType: 1, FromUserName: '@@group1', Content: '小李:\n/take A7K2', OriginalContent: '@li:<br/>/take A7K2' };
    expect(toOpsMessage(raw, contacts)).toEqual({
      conversationId: '@@group1',
      conversationName: '小满客服群',
      conversationRemark: '',
      isGroup: true,
      senderId: '@li',
      senderName: '小李',
      senderRemark: '小李',
      text: '/take A7K2',
      fromSelf: false,
    });
    const impostor = { ...raw, OriginalContent: '@stranger:<br/>/take A7K2' };
    expect(toOpsMessage(impostor, contacts)).toMatchObject({ senderName: '小李', senderRemark: '' });
  });

  it('gives the group remark the ops account set, never the title', () => {
    const raw = { MsgType: 1, FromUserName: '@@ops', Content: '小李:\n/queue', OriginalContent: '@li:<br/>/queue' };
    expect(toOpsMessage(raw, contacts)).toMatchObject({ conversationRemark: '运维', conversationName: '运维' });
    expect(toOpsMessage({ ...raw, FromUserName: '@@group1' }, contacts)).toMatchObject({ conversationRemark: '' });
  });

  it('gives no remark to a private sender with a nickname only, or with a remark another contact shares', () => {
    expect(toOpsMessage({ MsgType: 1, FromUserName: '@nick', Content: '/queue' }, contacts)).toMatchObject({
      senderName: '店长老王',
      senderRemark: '',
    });
    expect(toOpsMessage({ MsgType: 1, FromUserName: '@twin1', Content: '/queue' }, contacts)).toMatchObject({ senderRemark: '' });
  });

  it("places the account's own group message in the group it went to", () => {
    expect(
      toOpsMessage({ MsgType: 1, FromUserName: '@me', ToUserName: '@@ops', Content: '/运维群', isSendBySelf: true }, contacts),
    ).toMatchObject({
      conversationId: '@@ops',
      isGroup: true,
      fromSelf: true,
      text: '/运维群',
      senderRemark: '',
    });
  });

  it('names a private-chat sender by remark first', () => {
    expect(toOpsMessage({ MsgType: 1, FromUserName: '@boss', Content: '您好' }, contacts)).toMatchObject({
      isGroup: false,
      senderName: '店长老王',
      senderRemark: '店长老王',
      text: '您好',
    });
  });

  it("ignores anything that is not text, and marks the account's own messages", () => {
    expect(toOpsMessage({ MsgType: 3, FromUserName: '@boss', Content: '' }, contacts)).toBeNull();
    expect(toOpsMessage({ MsgType: 1, FromUserName: '@boss', Content: 'x', isSendBySelf: true }, contacts)?.fromSelf).toBe(true);
  });
});
