/**
 * PURE: a voice message WeChat transcribed (`Recognition`, WECHAT.md §2.2) is the fan's words,
 * so the pipeline sees it as a text message: keywords, profile answers, handoff keywords and
 * role holders' commands all work by voice. The voice itself travels along (`fromVoice`) for
 * whoever relays it, and the interaction log keeps the original (kind `voice`, with its
 * `Recognition`).
 */
import type { InboundMessage } from './inbound.js';

/** The message the pipeline handles: a recognised voice as text, anything else unchanged. */
export function heardAsText(message: InboundMessage): InboundMessage {
  if (message.kind !== 'voice' || !message.recognition?.trim()) {
    return message;
  }
  const { mediaId, format, recognition, kind: _kind, ...base } = message;
  return { ...base, kind: 'text', content: recognition.trim(), fromVoice: { mediaId, format } };
}
