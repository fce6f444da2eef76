/**
 * The MASSSENDJOBFINISH push (shared/WECHAT.md §2.4): when a test or the simulator says a
 * mass job finished, the fake posts the event to the bot's callback URL the way WeChat
 * would, signed with the callback token and, in safe mode, encrypted.
 */
import { escapeCdata, originalIdOf, postToCallback } from './callback-push.js';
import type { FakeAccount } from './fake-account.js';
import type { FakeWechatApiOptions, MassJobFinishCounts } from './types.js';

/** The MASSSENDJOBFINISH event XML (WECHAT.md §2.4). */
function massFinishXml(originalId: string, createTime: number, msgId: string, c: Required<MassJobFinishCounts>): string {
  return [
    '<xml>',
    `<ToUserName><![CDATA[${escapeCdata(originalId)}]]></ToUserName>`,
    '<FromUserName><![CDATA[mphelper]]></FromUserName>',
    `<CreateTime>${createTime}</CreateTime>`,
    '<MsgType><![CDATA[event]]></MsgType>',
    '<Event><![CDATA[MASSSENDJOBFINISH]]></Event>',
    `<MsgID>${msgId}</MsgID>`,
    `<Status><![CDATA[${escapeCdata(c.status)}]]></Status>`,
    `<TotalCount>${c.totalCount}</TotalCount>`,
    `<FilterCount>${c.filterCount}</FilterCount>`,
    `<SentCount>${c.sentCount}</SentCount>`,
    `<ErrorCount>${c.errorCount}</ErrorCount>`,
    '<CopyrightCheckResult><Count>0</Count><ResultList></ResultList><CheckState>1</CheckState></CopyrightCheckResult>',
    '<ArticleUrlResult><Count>0</Count><ResultList></ResultList></ArticleUrlResult>',
    '</xml>',
  ].join('');
}

/** Marks the job finished and posts its MASSSENDJOBFINISH event to the configured callback. */
export async function pushMassSendJobFinish(
  account: FakeAccount,
  options: FakeWechatApiOptions,
  msgId: string,
  counts: MassJobFinishCounts,
): Promise<void> {
  const clock = account.opts.clock;
  const job = account.jobs.get(msgId);
  const delivered = job?.deliveredTo.length ?? 0;
  const full: Required<MassJobFinishCounts> = {
    status: counts.status ?? 'send success',
    totalCount: counts.totalCount ?? job?.openIds.length ?? 0,
    filterCount: counts.filterCount ?? delivered,
    sentCount: counts.sentCount ?? delivered,
    errorCount: counts.errorCount ?? 0,
  };
  if (job && job.status === 'SENDING') {
    job.status = full.status === 'send success' ? 'SEND_SUCCESS' : 'SEND_FAIL';
  }
  const xml = massFinishXml(originalIdOf(options), Math.floor(clock.now().getTime() / 1000), msgId, full);
  await postToCallback(account, options, xml, 'mphelper', 'MASSSENDJOBFINISH');
}
