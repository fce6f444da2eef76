/**
 * Command: stores one click. An identified fan's first click on a link takes the id
 * `<code>:<openid>`; a second one finds it taken and is stored as a repeat. A first click on
 * a broadcast's link also adds the broadcast to the fan's `clickedBroadcasts`, which the
 * `clicked:<broadcast>` segment term reads.
 */
import { Types, type Connection } from 'mongoose';
import { isDuplicateKeyError } from '../db/model.js';
import { getFanModel } from '../fans/fan-model.js';
import { firstClickId, getLinkClickModel, type ClickVia } from './link-click-model.js';

export interface ClickProps {
  connection: Connection;
  link: { code: string; broadcast?: number };
  /** The fan, when OAuth or a signed code identified them. */
  openId?: string;
  via: ClickVia;
  reason?: string;
  at: Date;
}

/** Records the click; resolves with whether it was the fan's first on this link (undefined when anonymous). */
export async function recordClick(props: ClickProps): Promise<boolean | undefined> {
  const clicks = getLinkClickModel(props.connection);
  const { code, broadcast } = props.link;
  const base = {
    code,
    at: props.at,
    via: props.via,
    ...(broadcast ? { broadcast } : {}),
    ...(props.reason ? { reason: props.reason } : {}),
  };
  if (!props.openId) {
    await clicks.create({ _id: new Types.ObjectId(), ...base });
    return undefined;
  }
  const identified = { ...base, openId: props.openId };
  try {
    await clicks.create({ _id: firstClickId(code, props.openId), ...identified, first: true });
  } catch (error) {
    if (!isDuplicateKeyError(error)) {
      throw error;
    }
    await clicks.create({ _id: new Types.ObjectId(), ...identified, first: false });
    return false;
  }
  if (broadcast) {
    // The raw collection: the field belongs to the segment grammar's schema, not to this write.
    await getFanModel(props.connection).collection.updateOne({ openId: props.openId }, { $addToSet: { clickedBroadcasts: broadcast } });
  }
  return true;
}
