/**
 * Job: mirrors synced fanhook tags to WeChat user tags for fans whose tags changed
 * (`tagsDirty`). Page by page: create missing WeChat tags once, untag then tag in batches
 * of ≤ 50 openids, then record what WeChat now has. A failure leaves the page dirty, so the
 * retry (or the next run) resumes there; tagging twice is harmless on WeChat's side.
 */
import type { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import { WechatApiError } from '../errors.js';
import { getFanModel } from '../fans/fan-model.js';
import type { Logger } from '../lib/logger.js';
import { ensureWechatTags } from '../tagging/ensure-wechat-tags.js';
import { forgetWechatTag } from '../tagging/forget-wechat-tag.js';
import { planTagSync, type SyncFan } from '../tagging/plan-tag-sync.js';
import type { RuleRegistry } from '../tagging/rule-registry.js';
import type { WechatApiClient } from '../wechat/api-client.js';
import { retryUnlessPermanent } from './agenda.js';

export const SYNC_WECHAT_TAGS_JOB = 'fans.sync-wechat-tags';

export interface SyncWechatTagsDeps {
  connection: Connection;
  api: WechatApiClient;
  rules: RuleRegistry;
  logger: Logger;
  pageSize?: number;
}

export interface SyncWechatTagsResult {
  fans: number;
  calls: number;
  /** "openId → tag" pairs WeChat refused (e.g. the fan already has 20 WeChat tags). */
  refused: string[];
}

/** Errcodes that refuse one openid of a batch: retry the batch one by one to find it. */
const PER_FAN_ERRORS = new Set([45059, 40003]);
/** The tag id is not (or no longer) the account's. */
const INVALID_TAG_ID = 45159;

/** Syncs every dirty fan; returns counts. */
export async function syncWechatTags(deps: SyncWechatTagsDeps): Promise<SyncWechatTagsResult> {
  const model = getFanModel(deps.connection);
  const synced = deps.rules.syncedTagNames();
  const result: SyncWechatTagsResult = { fans: 0, calls: 0, refused: [] };
  let after: unknown = null;
  for (;;) {
    const filter = after ? { tagsDirty: true, _id: { $gt: after } } : { tagsDirty: true };
    const page = await model
      .find(filter, { openId: 1, subscribed: 1, tags: 1, syncedTags: 1, tagsRev: 1 })
      .sort({ _id: 1 })
      .limit(deps.pageSize ?? 500)
      .lean<(SyncFan & { _id: unknown; tagsRev?: number })[]>();
    if (page.length === 0) {
      return result;
    }
    after = page[page.length - 1]!._id;
    await syncPage(deps, page, synced, result);
    result.fans += page.length;
  }
}

async function syncPage(
  deps: SyncWechatTagsDeps,
  page: (SyncFan & { _id: unknown; tagsRev?: number })[],
  synced: Set<string>,
  result: SyncWechatTagsResult,
): Promise<void> {
  const plan = planTagSync(page, synced);
  const ids = await ensureWechatTags(deps.connection, deps.api, [...new Set([...plan.untag.keys(), ...plan.tag.keys()])]);
  const refused = new Set<string>();
  for (const [path, groups] of [
    ['/cgi-bin/tags/members/batchuntagging', plan.untag],
    ['/cgi-bin/tags/members/batchtagging', plan.tag],
  ] as const) {
    for (const [name, batches] of groups) {
      for (const openIds of batches) {
        for (const openId of await callForTag(deps, result, path, ids, name, openIds)) {
          refused.add(`${openId}|${name}`);
        }
      }
    }
  }
  const ops = page.map((fan) => {
    const target = (plan.target.get(fan.openId) ?? []).filter((name) => !refused.has(`${fan.openId}|${name}`));
    // Guarded by tagsRev: a fan re-tagged during the sync stays dirty for the next run.
    return {
      updateOne: {
        filter: { _id: fan._id, tagsRev: fan.tagsRev ?? { $in: [0, null] } },
        update: { $set: { syncedTags: target, tagsDirty: false } },
      },
    };
  });
  if (ops.length > 0) {
    await getFanModel(deps.connection).bulkWrite(ops, { ordered: false });
  }
  for (const pair of refused) {
    result.refused.push(pair.replace('|', ' → '));
  }
  if (refused.size > 0) {
    deps.logger.warn(
      { refused: [...refused].slice(0, 20), count: refused.size },
      'WeChat refused some tag assignments (tag limit or invalid openid)',
    );
  }
}

/**
 * One batch call for tag `name`. When WeChat says the tag id is invalid, the tag was deleted in
 * the MP backend (with its members): fanhook forgets it (which marks its recorded fans for
 * re-tagging), creates it again and tags the batch there; an untag has nothing left to do.
 * Without this, one deleted tag would fail every sync from then on.
 */
async function callForTag(
  deps: SyncWechatTagsDeps,
  result: SyncWechatTagsResult,
  path: string,
  ids: Map<string, number>,
  name: string,
  openIds: string[],
): Promise<string[]> {
  try {
    return await callBatch(deps, result, path, ids.get(name)!, openIds);
  } catch (error) {
    if (!(error instanceof WechatApiError) || error.errcode !== INVALID_TAG_ID) {
      throw error;
    }
  }
  const marked = await forgetWechatTag(deps.connection, name, ids.get(name)!);
  deps.logger.warn({ tag: name, marked }, 'WeChat tag was deleted outside fanhook: creating it again and re-tagging its fans');
  const recreated = await ensureWechatTags(deps.connection, deps.api, [name]);
  ids.set(name, recreated.get(name)!);
  return path.endsWith('/batchuntagging') ? [] : callBatch(deps, result, path, ids.get(name)!, openIds);
}

/** One batch call; returns the openids WeChat refused individually. */
async function callBatch(
  deps: SyncWechatTagsDeps,
  result: SyncWechatTagsResult,
  path: string,
  tagId: number,
  openIds: string[],
): Promise<string[]> {
  try {
    result.calls += 1;
    await deps.api.post(path, { openid_list: openIds, tagid: tagId }, { idempotent: true });
    return [];
  } catch (error) {
    if (!(error instanceof WechatApiError) || !PER_FAN_ERRORS.has(error.errcode)) {
      throw error;
    }
    if (openIds.length === 1) {
      return openIds;
    }
  }
  const refused: string[] = [];
  for (const openId of openIds) {
    refused.push(...(await callBatch(deps, result, path, tagId, [openId])));
  }
  return refused;
}

export function defineSyncWechatTags(agenda: Agenda, deps: SyncWechatTagsDeps): void {
  agenda.define(
    SYNC_WECHAT_TAGS_JOB,
    async () => {
      const result = await syncWechatTags(deps);
      if (result.fans > 0) {
        deps.logger.info({ fans: result.fans, calls: result.calls, refused: result.refused.length }, 'WeChat tags synced');
      }
    },
    { concurrency: 1, backoff: retryUnlessPermanent },
  );
}
