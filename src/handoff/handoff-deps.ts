/**
 * What the handoff feature needs from the rest of fanhook, built once by the composition root
 * and shared by the gate, the staff commands, the timeout job and the ops channel.
 */
import type { Connection } from 'mongoose';
import type { RoleRegistry } from '../admin/roles.js';
import type { CustomerServiceSender } from '../customer-service/send-customer-message.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { NoticeSender } from '../notices/notice-sender.js';
import type { HandoffSettings } from './handoff-settings.js';

/** Staff identities on the ops channel start with this prefix (`ops:张三`); official-account staff are openids. */
export const OPS_STAFF_PREFIX = 'ops:';

/** A second way to reach staff (the wechat4u ops chat), behind an interface so tests use a fake. */
export interface StaffChannel {
  /** Posts to the staff group (or every configured staff chat); false when nobody could be reached. */
  broadcast(text: string): Promise<boolean>;
  /** Posts to one ops staff member (`ops:<name>`); false when not reachable. */
  sendTo(staffId: string, text: string): Promise<boolean>;
}

/** Everything the handoff commands, middleware and job use. */
export interface HandoffDeps {
  connection: Connection;
  customerService: CustomerServiceSender;
  /** Service notices: a staff reply the window no longer allows goes as one (notices.yaml `staffReply`). */
  notices?: NoticeSender;
  roles: RoleRegistry;
  settings: HandoffSettings;
  clock: Clock;
  logger: Logger;
  /** IANA zone for business hours. */
  timezone: string;
  shopName: () => string;
  /** Set by the composition root when the ops channel is enabled. */
  ops?: StaffChannel;
}

/** How staff are shown to each other: the ops name, or the openid. */
export function staffLabel(staffId: string): string {
  return staffId.startsWith(OPS_STAFF_PREFIX) ? staffId.slice(OPS_STAFF_PREFIX.length) : staffId;
}
