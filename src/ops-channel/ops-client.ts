/**
 * The seam between the ops channel and a personal-WeChat client: the real one is wechat4u
 * (`wechat4u-client.ts`), tests drive the channel with a fake that implements this.
 */

/** A text message seen by the logged-in personal WeChat. */
export interface OpsMessage {
  /** Where to answer (a group or a private chat); changes at every login. */
  conversationId: string;
  /** For display: the conversation's remark, else its title or nickname. */
  conversationName: string;
  /** The remark (备注) the logged-in account gave this group or contact; '' when none. */
  conversationRemark: string;
  isGroup: boolean;
  /** The sender's id in this login session; '' when unknown. */
  senderId: string;
  /** For display: the sender's group display name, or the contact's remark/nickname. */
  senderName: string;
  /**
   * The remark the logged-in account gave the sender ('' when none, or shared with another
   * contact): the only name that identifies a staff member, since others choose their own.
   */
  senderRemark: string;
  text: string;
  /** Sent by the logged-in account itself. */
  fromSelf: boolean;
}

/** What the ops channel needs from a personal-WeChat client. */
export interface OpsClient {
  /** Logs in (printing the QR code when needed) and starts receiving; resolves once started. */
  start(): Promise<void>;
  stop(): Promise<void>;
  onMessage(handler: (message: OpsMessage) => void): void;
  send(conversationId: string, text: string): Promise<void>;
  /** The conversation id of the group the logged-in account gave the remark `remark`, when known. */
  findGroup(remark: string): string | undefined;
}
