/**
 * A channel: a permanent QR code (`QR_LIMIT_STR_SCENE`) the merchant prints for a store, a
 * poster or a partner. Fans who follow through it get `source: <scene>` (src/fans/), which is
 * how /channels counts what each code brought.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from '../db/model.js';

export interface Channel {
  /** The QR scene string, also the fans' `source`. */
  scene: string;
  name: string;
  /** WeChat's ticket: the image is downloaded with it again when the code is asked for twice. */
  ticket: string;
  /** What the code encodes. */
  url: string;
  createdBy: string;
  createdAt: Date;
}

const channelSchema = new Schema<Channel>(
  {
    scene: { type: String, required: true },
    name: { type: String, required: true },
    ticket: { type: String, required: true },
    url: { type: String, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// One code per scene: asking again sends the same code instead of spending a new one.
channelSchema.index({ scene: 1 }, { unique: true });

/** The Channel model on `connection` (collection `channels`). */
export function getChannelModel(connection: Connection): Model<Channel> {
  return modelOn(connection, 'Channel', channelSchema, 'channels');
}
