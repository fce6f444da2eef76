/**
 * A fake personal-WeChat client for the ops channel: tests type into chats and read what the
 * channel sent back.
 */
import type { OpsClient, OpsMessage } from '../../src/ops-channel/ops-client.js';

export class FakeOpsClient implements OpsClient {
  readonly sent: { conversationId: string; text: string }[] = [];
  started = false;
  private handler: ((message: OpsMessage) => void) | undefined;

  constructor(private readonly groups: Record<string, string>) {}

  async start(): Promise<void> {
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
  }

  onMessage(handler: (message: OpsMessage) => void): void {
    this.handler = handler;
  }

  async send(conversationId: string, text: string): Promise<void> {
    this.sent.push({ conversationId, text });
  }

  findGroup(name: string): string | undefined {
    return this.groups[name];
  }

  /**
   * Someone writes `text` in a group the ops account gave the remark `groupRemark` ('' = none).
   * `sender.remark` is the remark the ops account gave the sender (default: their display name).
   */
  groupMessage(
    groupId: string,
    groupRemark: string,
    senderName: string,
    text: string,
    sender: { remark?: string; id?: string; title?: string } = {},
  ): void {
    this.handler?.({
      conversationId: groupId,
      conversationName: groupRemark || (sender.title ?? '群聊'),
      conversationRemark: groupRemark,
      isGroup: true,
      senderId: sender.id ?? `@${senderName}`,
      senderName,
      senderRemark: sender.remark ?? senderName,
      text,
      fromSelf: false,
    });
  }

  /** The ops account itself writes `text` in a group. */
  ownGroupMessage(groupId: string, text: string): void {
    this.handler?.({
      conversationId: groupId,
      conversationName: '群聊',
      conversationRemark: '',
      isGroup: true,
      senderId: '',
      senderName: '',
      senderRemark: '',
      text,
      fromSelf: true,
    });
  }

  /** Someone writes `text` in a private chat with the ops account; `remark` is what the ops account calls them ('' = none). */
  privateMessage(conversationId: string, senderName: string, text: string, remark = senderName): void {
    this.handler?.({
      conversationId,
      conversationName: remark || senderName,
      conversationRemark: remark,
      isGroup: false,
      senderId: conversationId,
      senderName: remark || senderName,
      senderRemark: remark,
      text,
      fromSelf: false,
    });
  }

  /** Texts sent to one conversation. */
  textsTo(conversationId: string): string[] {
    return this.sent.filter((s) => s.conversationId === conversationId).map((s) => s.text);
  }
}
