/**
 * The WeChat tag sync job through a sustained outage of the tags API (issue 12 item 10): the
 * job fails while WeChat answers -1, is retried by Agenda with backoff (not in a loop), and
 * once WeChat answers again it finishes the work, every fan tagged on WeChat once. A single
 * failed call driven by hand is in test/tagging/tag-jobs.db.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFanModel } from '../../src/fans/fan-model.js';
import { SYNC_WECHAT_TAGS_JOB } from '../../src/jobs/sync-wechat-tags.js';
import { fanDoc } from '../broadcast/broadcast-support.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const db = useTestDb();
let app: Harness;
const BATCH_TAGGING = '/cgi-bin/tags/members/batchtagging';
const OUTAGE_MS = 3_000;

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri, startJobs: true });
});
afterAll(async () => {
  await app?.close();
});

describe('the WeChat tag sync job through a sustained tags API outage', () => {
  it('is retried with backoff while WeChat answers -1 and then tags every fan once', async () => {
    const now = new Date();
    const openIds = Array.from({ length: 5 }, (_, i) => `oTagOutage${i}`);
    await getFanModel(app.connection).insertMany(
      openIds.map((openId) =>
        fanDoc(openId, now, { tags: [{ name: '直播间', source: 'rule', ruleId: 'source-live', at: now }], tagsDirty: true, tagsRev: 1 }),
      ),
    );
    app.fake.failNext(BATCH_TAGGING, -1, { forMs: OUTAGE_MS });
    const outageEnds = Date.now() + OUTAGE_MS;
    await app.fanhook.agenda.now(SYNC_WECHAT_TAGS_JOB, {});

    const fans = await waitFor(
      () =>
        getFanModel(app.connection)
          .find({ openId: { $in: openIds } })
          .lean(),
      (found) => found.length === openIds.length && found.every((fan) => fan.tagsDirty === false),
      40_000,
    );
    expect(fans.map((fan) => fan.syncedTags)).toEqual(openIds.map(() => ['直播间']));

    const calls = app.fake
      .callsTo(BATCH_TAGGING)
      .filter((call) => (call.body as { openid_list: string[] }).openid_list.includes(openIds[0]!));
    const failed = calls.filter((call) => call.errcode === -1);
    const succeeded = calls.filter((call) => call.errcode === 0);
    // Failed while WeChat was down, then one call that tagged them: a later run of the job after
    // a pause (Agenda's backoff), not a loop of calls.
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.length).toBeLessThanOrEqual(12);
    expect(succeeded).toHaveLength(1);
    const succeededAt = new Date(succeeded[0]!.at).getTime();
    expect(succeededAt).toBeGreaterThanOrEqual(outageEnds - 50);
    expect(succeededAt - new Date(failed.at(-1)!.at).getTime()).toBeGreaterThanOrEqual(1_000);
  }, 60_000);
});
