/**
 * /broadcast <expr> | <content> (群发): makes draft #id, sends the admin a preview of the
 * message through WeChat's preview API (WECHAT.md §6.7), and tells them who would get it,
 * how, and how many mass-send calls it would use. Nothing goes to fans until /confirm.
 */
import { randomBytes } from 'node:crypto';
import { massBodyOf, parseBroadcastContent, describeContent } from '../../broadcast/broadcast-content.js';
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { getBroadcastModel, nextBroadcastNumber, type Broadcast } from '../../broadcast/broadcast-model.js';
import { loadBroadcastTemplates, resolveContent } from '../../broadcast/broadcast-templates.js';
import { describeAudience } from '../../broadcast/describe-audience.js';
import { formatShare, takeHoldoutDirective, type Holdout } from '../../broadcast/holdout.js';
import { massCallsToday } from '../../broadcast/mass-call-log.js';
import { planBroadcast, type BroadcastPlan } from '../../broadcast/plan-broadcast.js';
import { describeTagRefusal } from '../../broadcast/tag-send.js';
import { parseSegment, SegmentSyntaxError, type SegmentVocabulary } from '../../segments/parse-segment.js';
import { formatSegment } from '../../segments/segment-ast.js';
import { replyUsage, type CommandContext, type CommandDefinition } from '../command.js';
import { draftNoticeBroadcast } from './notice-broadcast.js';
import { describeSyntaxError } from './segment.js';

export function broadcastCommand(deps: BroadcastDeps, vocabulary: SegmentVocabulary): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'broadcast',
    aliases: ['群发'],
    roles: ['admin'],
    usage:
      '/broadcast <人群> | <内容> [holdout 10%] — 内容可为文字、image:<media_id>、voice:、video:、mpnews:<media_id>、template:<模板名> 或 notice:<服务通知名>；末尾 holdout N% 留出对照组',
    async run(command) {
      const bar = command.args.search(/[|｜]/);
      if (bar < 0) {
        return replyUsage(command, definition, '请用「|」分隔人群和内容');
      }
      const exprText = command.args.slice(0, bar).trim();
      let expr: string;
      try {
        expr = formatSegment(parseSegment(exprText, vocabulary));
      } catch (error) {
        if (error instanceof SegmentSyntaxError) {
          return replyUsage(command, definition, describeSyntaxError(exprText, error));
        }
        throw error;
      }
      const directive = takeHoldoutDirective(command.args.slice(bar + 1));
      if ('problem' in directive) {
        return replyUsage(command, definition, directive.problem);
      }
      const parsed = parseBroadcastContent(directive.content);
      if ('problem' in parsed) {
        return replyUsage(command, definition, parsed.problem);
      }
      if (parsed.content.type === 'notice') {
        return draftNoticeBroadcast(deps, command, definition, { expr, name: parsed.content.name, holdoutPercent: directive.percent });
      }
      const templates = await loadBroadcastTemplates(deps.templatesDir);
      if (parsed.content.type === 'template' && !templates.has(parsed.content.name)) {
        return replyUsage(
          command,
          definition,
          `模板「${parsed.content.name}」不存在，可用：${[...templates.keys()].join('、') || '（无）'}`,
        );
      }
      const holdout = directive.percent ? { share: directive.percent / 100, seed: randomBytes(12).toString('hex') } : undefined;
      const { draft, planned } = await createDraft(deps, command, expr, parsed.content, holdout);
      const previewNote = await sendPreview(deps, command, draft);
      const today = await massCallsToday({ connection: deps.connection, now: deps.clock.now(), timezone: deps.timezone });
      await command.say(
        [
          `草稿 #${draft.number} 已创建`,
          `人群：${expr}`,
          `内容：${describeContent(draft.content)}`,
          ...describeAudience(draft.preview!, { today, perDay: deps.calls.perDay }, true),
          ...holdoutLines(draft),
          ...tagSendLines(planned),
          previewNote,
          `回复 /confirm ${draft.number} 立即发送，/schedule ${draft.number} <时间> 定时，/cancel ${draft.number} 取消。`,
        ].join('\n'),
      );
      return { outcome: 'ok', detail: `draft #${draft.number}` };
    },
  };
  return definition;
}

/** The holdout line of the preview: how many reachable fans are kept unsent. */
function holdoutLines(draft: Broadcast): string[] {
  if (!draft.holdout) {
    return [];
  }
  const share = formatShare(draft.holdout.share);
  return [`对照组（${share}）：${draft.preview?.holdout ?? 0} 人不发送、不占群发额度，用于在报告中对比效果`];
}

/** What sending by tag saves, or why a single-tag segment still goes by OpenID list. */
function tagSendLines(planned: BroadcastPlan): string[] {
  if (planned.tagSend.byTag) {
    return [`按标签群发只需 1 次群发调用（按名单需 ${planned.openIdCalls} 次），发送前会再次核对标签成员，有变动则改为按名单群发。`];
  }
  // Only worth a line when sending by tag would have saved calls.
  const reason = planned.openIdCalls >= 2 ? describeTagRefusal(planned.tagSend, planned.openIdCalls) : null;
  return reason ? [`未按标签群发（需 ${planned.openIdCalls} 次调用）：${reason}。`] : [];
}

async function createDraft(
  deps: BroadcastDeps,
  command: CommandContext,
  expr: string,
  content: Broadcast['content'],
  holdout: Holdout | undefined,
): Promise<{ draft: Broadcast; planned: BroadcastPlan }> {
  const planned = await planBroadcast(deps, { expr, content, ...(holdout ? { holdout } : {}) });
  const number = await nextBroadcastNumber(deps.connection);
  const draft: Broadcast = {
    number,
    expr,
    content,
    ...(holdout ? { holdout } : {}),
    state: 'draft',
    createdBy: command.sender.openId,
    createdAt: deps.clock.now(),
    firingKey: `n:${number}`,
    preview: planned.numbers,
  };
  await getBroadcastModel(deps.connection).create(draft);
  return { draft, planned };
}

/** Shows the admin the message as fans will see it (rendered for the admin's own profile). */
async function sendPreview(deps: BroadcastDeps, command: CommandContext, draft: Broadcast): Promise<string> {
  try {
    const templates = await loadBroadcastTemplates(deps.templatesDir);
    const resolved = resolveContent(draft.content, command.ctx.fan ?? { openId: command.sender.openId }, templates, deps.shopName());
    await deps.api.post('/cgi-bin/message/mass/preview', { touser: command.sender.openId, ...massBodyOf(resolved) });
    return '预览已发送到您的微信，请先查看。';
  } catch (error) {
    deps.logger.warn({ err: (error as Error).message, broadcast: draft.number }, 'broadcast preview not delivered');
    return '（预览发送失败，请检查素材 media_id 是否有效。）';
  }
}
