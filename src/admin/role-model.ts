/**
 * Roles granted in chat with `/grant` (the env allowlists are the bootstrap, see roles.ts).
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

export type Role = 'admin' | 'staff';

export interface RoleGrant {
  openId: string;
  role: Role;
  grantedBy: string;
  grantedAt: Date;
}

const roleGrantSchema = new Schema<RoleGrant>(
  {
    openId: { type: String, required: true },
    role: { type: String, required: true, enum: ['admin', 'staff'] },
    grantedBy: { type: String, required: true },
    grantedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
roleGrantSchema.index({ openId: 1 }, { unique: true });

export function getRoleGrantModel(connection: Connection): Model<RoleGrant> {
  return modelOn(connection, 'RoleGrant', roleGrantSchema, 'roles');
}
