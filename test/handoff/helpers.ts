/**
 * Test helpers for the handoff tests: what the fake WeChat API delivered to someone.
 */
import type { FakeWechatApi } from '../../src/devtools/fake-wechat-api.js';

interface CustomBody {
  msgtype: string;
  text?: { content: string };
  image?: { media_id: string };
  voice?: { media_id: string };
}

/** Customer-service messages delivered to `openId`, as `text` or `[image:MEDIA]`. */
export function deliveredTo(fake: FakeWechatApi, openId: string): string[] {
  return (fake.customMessagesFor(openId) as CustomBody[]).map((b) =>
    b.msgtype === 'text' ? b.text!.content : `[${b.msgtype}:${b.image?.media_id ?? b.voice?.media_id ?? ''}]`,
  );
}

/** 11:00 on a Monday in Asia/Shanghai: inside the default business hours. */
export const MONDAY_11_SHANGHAI = new Date('2026-11-23T03:00:00Z');
