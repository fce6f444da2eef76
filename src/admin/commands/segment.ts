/**
 * /segment <expr> (人群): how many fans an expression selects, how many can be reached, how
 * many the monthly quota excludes, and a few samples — from counts, fast on a large account.
 */
import { countAudience } from '../../broadcast/audience.js';
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { describeAudience } from '../../broadcast/describe-audience.js';
import { massCallsToday } from '../../broadcast/mass-call-log.js';
import { formatZoned, monthKeyIn } from '../../broadcast/zoned-time.js';
import { compileSegment } from '../../segments/compile-segment.js';
import { parseSegment, SegmentSyntaxError, type SegmentVocabulary } from '../../segments/parse-segment.js';
import { formatSegment } from '../../segments/segment-ast.js';
import { replyUsage, type CommandDefinition } from '../command.js';

/** "第 N 个字符处：…" with the expression and a caret under the spot. */
export function describeSyntaxError(expr: string, error: SegmentSyntaxError): string {
  return `人群表达式有误（第 ${error.position + 1} 个字符处）：${error.message}\n${expr}\n${' '.repeat(Math.min(error.position, expr.length))}^`;
}

export function segmentCommand(deps: BroadcastDeps, vocabulary: SegmentVocabulary): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'segment',
    aliases: ['人群'],
    roles: ['admin'],
    usage: '/segment <表达式> — 统计人群，例如 /segment tag:vip active<30d -tag:已退订，或 /segment 买过:外套 消费>500 分层:重要价值',
    async run(command) {
      if (!command.args) {
        return replyUsage(command, definition);
      }
      let node;
      try {
        node = parseSegment(command.args, vocabulary);
      } catch (error) {
        if (error instanceof SegmentSyntaxError) {
          return replyUsage(command, definition, describeSyntaxError(command.args, error));
        }
        throw error;
      }
      const now = deps.clock.now();
      const counts = await countAudience({
        connection: deps.connection,
        filter: compileSegment(node, now),
        now,
        month: monthKeyIn(now, deps.timezone),
        limits: deps.limits,
      });
      const today = await massCallsToday({ connection: deps.connection, now, timezone: deps.timezone });
      const samples = counts.samples.map(
        (fan) =>
          `· ${fan.openId}（${fan.tags.map((t) => t.name).join('、') || '无标签'}，最近互动 ${formatZoned(fan.lastSeenAt, deps.timezone)}）`,
      );
      await command.say(
        [
          `人群：${formatSegment(node)}`,
          ...describeAudience(counts, { today, perDay: deps.calls.perDay }),
          ...(samples.length > 0 ? ['示例：', ...samples] : []),
        ].join('\n'),
      );
      return undefined;
    },
  };
  return definition;
}
