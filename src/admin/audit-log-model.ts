/**
 * The audit log: one entry per admin or staff command, whatever its outcome.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

export interface AuditEntry {
  at: Date;
  openId: string;
  role: string;
  command: string;
  args: string;
  outcome: 'ok' | 'usage' | 'denied' | 'error';
  detail?: string;
}

const auditSchema = new Schema<AuditEntry>(
  {
    at: { type: Date, required: true },
    openId: { type: String, required: true },
    role: { type: String, required: true },
    command: { type: String, required: true },
    args: { type: String, default: '' },
    outcome: { type: String, required: true },
    detail: { type: String },
  },
  { versionKey: false },
);
auditSchema.index({ at: -1 });
auditSchema.index({ openId: 1, at: -1 });

export function getAuditModel(connection: Connection): Model<AuditEntry> {
  return modelOn(connection, 'AuditEntry', auditSchema, 'audit_log');
}
