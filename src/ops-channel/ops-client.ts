/**
 * The seam between the ops channel and a personal-WeChat client: the real one is wechat4u
 * (`wechat4u-client.ts`), tests drive the channel with a fake that implements this.
 */

/** A text message seen by the logged-in personal WeChat. */
export interface OpsMessage {
  /** Where to answer (a group or a private chat); changes at every login. */
  conversationId: string;
  /** Group name, or the contact's remark/nickname for a private chat. */
  conversationName: string;
  isGroup: boolean;
  /** Who wrote it (display name in a group, remark/nickname in a private chat). */
  senderName: string;
  text: string;
  /** Sent by the logged-in account itself (ignored). */
  fromSelf: boolean;
}

/** What the ops channel needs from a personal-WeChat client. */
export interface OpsClient {
  /** Logs in (printing the QR code when needed) and starts receiving; resolves once started. */
  start(): Promise<void>;
  stop(): Promise<void>;
  onMessage(handler: (message: OpsMessage) => void): void;
  send(conversationId: string, text: string): Promise<void>;
  /** The conversation id of the group called `name`, when the client knows it. */
  findGroup(name: string): string | undefined;
}
