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

  /** Someone writes `text` in a group. */
  groupMessage(groupId: string, groupName: string, senderName: string, text: string): void {
    this.handler?.({ conversationId: groupId, conversationName: groupName, isGroup: true, senderName, text, fromSelf: false });
  }

  /** Someone writes `text` in a private chat with the ops account. */
  privateMessage(conversationId: string, senderName: string, text: string): void {
    this.handler?.({ conversationId, conversationName: senderName, isGroup: false, senderName, text, fromSelf: false });
  }

  /** Texts sent to one conversation. */
  textsTo(conversationId: string): string[] {
    return this.sent.filter((s) => s.conversationId === conversationId).map((s) => s.text);
  }
}
