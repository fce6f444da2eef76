/** Spool entries for the spool tests, and what a replay of a spool hands over. */
import type { InboundSpool } from '../../src/interactions/inbound-spool.js';
import type { SpoolEntry } from '../../src/wechat/callback-ports.js';
import { parseInboundXml } from '../../src/wechat/inbound-xml.js';
import { buildTextXml } from './inbound.js';

/** A spooled text message saying `content`. */
export const spoolEntry = (content: string): SpoolEntry => ({
  message: parseInboundXml(buildTextXml({ content })),
  receivedAt: Date.now(),
});

/** The words of a spooled text message. */
export const contentOf = (e: SpoolEntry): string => (e.message.kind === 'text' ? e.message.content : '');

/** Replays `spool`, every entry accepted; returns how many it counted and their words in order. */
export async function replayedBy(spool: InboundSpool): Promise<{ count: number; replayed: string[] }> {
  const replayed: string[] = [];
  const count = await spool.replayAll(async (e) => {
    replayed.push(contentOf(e));
    return true;
  });
  return { count, replayed };
}
