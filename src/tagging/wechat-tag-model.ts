/**
 * The WeChat user tag created for a fanhook tag (name → WeChat tag id), so each tag is
 * created once per account however many instances and sync runs there are.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

export interface WechatTag {
  name: string;
  tagId: number;
  createdAt?: Date;
}

const wechatTagSchema = new Schema<WechatTag>(
  { name: { type: String, required: true }, tagId: { type: Number, required: true } },
  { versionKey: false, timestamps: { createdAt: true, updatedAt: false } },
);
wechatTagSchema.index({ name: 1 }, { unique: true });

/** The WechatTag model on `connection` (collection `wechatTags`). */
export function getWechatTagModel(connection: Connection): Model<WechatTag> {
  return modelOn(connection, 'WechatTag', wechatTagSchema, 'wechatTags');
}
