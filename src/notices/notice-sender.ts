/**
 * Command: sends one service notice (template message, WECHAT.md §8.1) to one fan — counted
 * against the daily template limit first, refused by WeChat → the count is given back — and
 * records the accepted send with its msgid, where TEMPLATESENDJOBFINISH will find it.
 * Notices reach a fan whatever their 48-hour window and spend no monthly mass quota.
 */
import type { Connection } from 'mongoose';
import { AppError, WechatApiError } from '../errors.js';
import { isDuplicateKeyError } from '../db/model.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { WechatApiClient } from '../wechat/api-client.js';
import { returnNotice, takeNotice, noticesToday } from './notice-daily-limit.js';
import { getNoticeSendModel } from './notice-send-model.js';
import { loadNoticeTemplates, type NoticeTemplates, type RenderedNotice } from './notice-templates.js';

/** Today's template-message limit is used up; nothing was sent. */
export class NoticeLimitError extends AppError {
  constructor(readonly perDay: number) {
    super(`daily template-message limit of ${perDay} reached`, { code: 'notice_daily_limit', status: 429, expose: true });
  }
}

export interface NoticeSenderOptions {
  connection: Connection;
  api: WechatApiClient;
  clock: Clock;
  logger: Logger;
  timezone: string;
  templatesDir: string;
  /** Notices fanhook allows itself per day (the MP backend shows the account's real limit). */
  perDay: number;
}

/** Where a notice came from, kept with it for /report and the handoff transcript. */
export interface NoticeOrigin {
  broadcast?: number;
  handoff?: string;
  /** Deduplicates a retried send for 10 minutes on WeChat's side (`client_msg_id`). */
  clientMsgId?: string;
}

export class NoticeSender {
  constructor(private readonly options: NoticeSenderOptions) {}

  get perDay(): number {
    return this.options.perDay;
  }

  /** notices.yaml as it is now (read at every use, so edits need no reload). */
  templates(): Promise<NoticeTemplates> {
    return loadNoticeTemplates(this.options.templatesDir);
  }

  /** Notices counted today, in the configured time zone. */
  usedToday(): Promise<number> {
    return noticesToday(this.dayProps());
  }

  /**
   * Sends `notice` to `openId`; resolves to WeChat's msgid.
   * @throws NoticeLimitError when today's limit is used up; WechatApiError when WeChat refuses
   *   (40037 unknown template, 43004 not following, 47003 a bad value, 43101 refused…).
   */
  async send(openId: string, notice: RenderedNotice, origin: NoticeOrigin = {}): Promise<string> {
    if (!(await takeNotice({ ...this.dayProps(), perDay: this.options.perDay }))) {
      throw new NoticeLimitError(this.options.perDay);
    }
    let answer: Record<string, unknown>;
    try {
      answer = await this.options.api.post('/cgi-bin/message/template/send', {
        touser: openId,
        template_id: notice.templateId,
        ...(notice.url ? { url: notice.url } : {}),
        data: notice.data,
        ...(origin.clientMsgId ? { client_msg_id: origin.clientMsgId } : {}),
      });
    } catch (error) {
      if (error instanceof WechatApiError) {
        await returnNotice(this.dayProps());
      }
      throw error;
    }
    const msgId = String(answer['msgid'] ?? '');
    await this.record(msgId, {
      openId,
      notice: notice.name,
      templateId: notice.templateId,
      sentAt: this.options.clock.now(),
      ...(origin.broadcast === undefined ? {} : { broadcast: origin.broadcast }),
      ...(origin.handoff === undefined ? {} : { handoff: origin.handoff }),
    });
    return msgId;
  }

  /** Upsert on the unique msgid: meets a result that arrived first in one document. */
  private async record(msgId: string, fields: Record<string, unknown>): Promise<void> {
    const model = getNoticeSendModel(this.options.connection);
    try {
      await model.updateOne({ msgId }, { $set: fields }, { upsert: true });
    } catch (error) {
      if (!isDuplicateKeyError(error)) {
        throw error;
      }
      // The result's upsert inserted the document between our lookup and insert: update it.
      await model.updateOne({ msgId }, { $set: fields });
    }
  }

  private dayProps() {
    return { connection: this.options.connection, now: this.options.clock.now(), timezone: this.options.timezone };
  }
}
