// Minimal types for the part of node-webot `wechat` 2.1.0 the persisting-peer baseline uses
// (the package ships none).
declare module 'wechat' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** The parsed callback: WeChat's element names to their text. */
  type WechatMessage = Record<string, string>;
  interface WechatRequest extends IncomingMessage {
    weixin: WechatMessage;
  }
  interface WechatResponse extends ServerResponse {
    /** Answers a text reply (encrypted in safe mode); an empty string answers an empty body. */
    reply(content: string): void;
  }
  interface WechatConfig {
    token: string;
    appid: string;
    encodingAESKey: string;
  }
  type Next = (error?: unknown) => void;
  function wechat(
    config: WechatConfig | string,
    handle: (req: WechatRequest, res: WechatResponse, next: Next) => void,
  ): (req: IncomingMessage, res: ServerResponse, next: Next) => void;
  export default wechat;
}
