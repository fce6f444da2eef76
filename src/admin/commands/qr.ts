/**
 * /qr <scene> [name] (二维码): a channel's permanent QR code, sent to the admin as an image
 * (src/channels/channel-qr.ts). /channels (渠道): what each code brought.
 */
import { channelStats, formatChannelLine } from '../../channels/channel-stats.js';
import { checkChannelInput, sendChannelQr, type ChannelQrDeps } from '../../channels/channel-qr.js';
import { replyUsage, type CommandDefinition } from '../command.js';

export function qrCommand(deps: ChannelQrDeps): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'qr',
    aliases: ['二维码'],
    roles: ['admin'],
    usage: '/qr <场景值> [渠道名称] — 生成渠道永久二维码（场景值：英文字母、数字、_ 或 -，最多 64 个字符），例如 /qr store_hz 杭州湖滨店',
    async run(command) {
      const [scene, ...nameParts] = command.argv;
      if (!scene) {
        return replyUsage(command, definition);
      }
      const name = nameParts.join(' ').trim();
      const problem = checkChannelInput(scene, name);
      if (problem) {
        return replyUsage(command, definition, problem);
      }
      const result = await sendChannelQr(deps, { scene, name, adminOpenId: command.sender.openId });
      if (!result.ok) {
        await command.say(`❌ ${result.problem}`);
        return { outcome: 'usage', detail: result.problem };
      }
      const { channel } = result;
      await command.say(
        [
          `${result.created ? '✅ 渠道二维码已生成' : '✅ 渠道已有二维码，已重新发送'}：${channel.name}（${channel.scene}）`,
          '二维码图片已发送给您，可直接保存打印（永久有效）。',
          `扫码关注的粉丝来源记为 ${channel.scene}（人群表达式 source:${channel.scene}），欢迎语按 replies.yaml 的 welcome.scenes.${channel.scene}。`,
          '发送 /channels（渠道）查看各渠道带来的粉丝。',
        ].join('\n'),
      );
      return { outcome: 'ok', detail: channel.scene };
    },
  };
  return definition;
}

export function channelsCommand(deps: Pick<ChannelQrDeps, 'connection' | 'clock'>): CommandDefinition {
  const definition: CommandDefinition = {
    name: 'channels',
    aliases: ['渠道'],
    roles: ['admin'],
    usage: '/channels — 各渠道二维码带来的关注、仍关注、30 天活跃和下单粉丝',
    async run(command) {
      if (command.argv.length > 0) {
        return replyUsage(command, definition);
      }
      const stats = await channelStats(deps.connection, deps.clock.now());
      if (stats.length === 0) {
        await command.say('还没有渠道二维码。发送 /qr <场景值> [名称] 生成一个，例如 /qr store_hz 杭州湖滨店');
        return undefined;
      }
      await command.say(['渠道效果（按下单、仍关注、活跃排序）：', ...stats.map(formatChannelLine)].join('\n'));
      return undefined;
    },
  };
  return definition;
}
