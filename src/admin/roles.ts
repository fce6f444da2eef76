/**
 * Who may run which commands: admins and staff from the env allowlists (never revocable in
 * chat, so the merchant cannot lock themselves out) plus roles granted in chat. The role of the
 * sender is needed on every message, so grants are read as one snapshot, refreshed every 5 s
 * (and at once on this instance after /grant or /revoke).
 */
import type { Connection, Model } from 'mongoose';
import type { Clock } from '../lib/clock.js';
import { getRoleGrantModel, type Role, type RoleGrant } from './role-model.js';

export type { Role };

const CACHE_MS = 5_000;

export interface RoleRegistryOptions {
  connection: Connection;
  adminOpenIds: readonly string[];
  staffOpenIds: readonly string[];
  clock: Clock;
}

export class RoleRegistry {
  private readonly grants: Model<RoleGrant>;
  /** All chat-granted roles: a handful of documents, so one snapshot serves every lookup. */
  private snapshot: { roles: Map<string, Role>; until: number } | undefined;
  private loading: Promise<Map<string, Role>> | undefined;

  constructor(private readonly options: RoleRegistryOptions) {
    this.grants = getRoleGrantModel(options.connection);
  }

  /** The sender's role, or null for a fan. Admin outranks staff. */
  async roleOf(openId: string): Promise<Role | null> {
    const fixed = this.bootstrapRoleOf(openId);
    if (fixed === 'admin') {
      return fixed;
    }
    const granted = (await this.grantedRoles()).get(openId) ?? null;
    return granted === 'admin' ? 'admin' : (fixed ?? granted);
  }

  /** The role from the env allowlists, which chat commands cannot change. */
  bootstrapRoleOf(openId: string): Role | null {
    if (this.options.adminOpenIds.includes(openId)) {
      return 'admin';
    }
    return this.options.staffOpenIds.includes(openId) ? 'staff' : null;
  }

  async grant(openId: string, role: Role, grantedBy: string): Promise<void> {
    await this.grants.updateOne({ openId }, { $set: { role, grantedBy, grantedAt: this.options.clock.now() } }, { upsert: true });
    this.snapshot = undefined;
  }

  /** Removes a chat-granted role; returns false when there was none. */
  async revoke(openId: string): Promise<boolean> {
    const result = await this.grants.deleteOne({ openId });
    this.snapshot = undefined;
    return result.deletedCount === 1;
  }

  /** Every openid with `role` (allowlist and grants), e.g. staff to notify. */
  async listWithRole(role: Role): Promise<string[]> {
    const fromEnv = role === 'admin' ? this.options.adminOpenIds : this.options.staffOpenIds;
    const granted = [...(await this.grantedRoles()).entries()].filter(([, r]) => r === role).map(([id]) => id);
    return [...new Set([...fromEnv, ...granted])];
  }

  private async grantedRoles(): Promise<Map<string, Role>> {
    const now = this.options.clock.now().getTime();
    if (this.snapshot && this.snapshot.until > now) {
      return this.snapshot.roles;
    }
    this.loading ??= this.grants
      .find({}, { openId: 1, role: 1 })
      .lean()
      .then((docs) => {
        const roles = new Map(docs.map((d) => [d.openId, d.role] as const));
        this.snapshot = { roles, until: this.options.clock.now().getTime() + CACHE_MS };
        return roles;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
