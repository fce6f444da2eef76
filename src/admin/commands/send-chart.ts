/**
 * Shared by `/report … chart` and `/stats chart`: renders the picture and sends it to the
 * admin as a customer-service image (temporary media upload, then the image message); the
 * admin is told in words when WeChat refuses it or their window is closed.
 */
import type { BroadcastDeps } from '../../broadcast/broadcast-deps.js';
import { renderChartImage, type ChartImage } from '../../charts/render-chart.js';
import { sendImageMessage } from '../../customer-service/send-image.js';
import { OutOfWindowError } from '../../customer-service/send-customer-message.js';
import { WechatApiError } from '../../errors.js';
import type { CommandContext } from '../command.js';

const CHART_WORDS = new Set(['chart', '图表', '图']);

/** True for the word that asks a command for its picture (`chart`, 图表). */
export function isChartWord(word: string | undefined): boolean {
  return word !== undefined && CHART_WORDS.has(word.toLowerCase());
}

/** Renders `image` and sends it to the admin who asked; the admin is told the outcome. */
export async function sendChart(
  deps: Pick<BroadcastDeps, 'api' | 'customerService' | 'logger'>,
  command: CommandContext,
  image: ChartImage,
  filename: string,
  what: string,
): Promise<void> {
  const png = renderChartImage(image);
  try {
    await sendImageMessage(deps, command.sender.openId, { bytes: png, filename });
  } catch (error) {
    if (error instanceof OutOfWindowError || error instanceof WechatApiError) {
      deps.logger.warn({ err: error.message }, 'chart not delivered');
      await command.say(
        `${what}未能发送（${error instanceof OutOfWindowError ? '客服消息额度已用完，请稍后再试' : `微信返回 ${error.errcode}`}）。`,
      );
      return;
    }
    throw error;
  }
  await command.say(`${what}已发送（图片消息）。`);
}
