import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendImageMessage } from '../../src/customer-service/send-image.js';
import { saveReceivedImage } from '../../src/devtools/save-received-image.js';
import { WechatApiError } from '../../src/errors.js';
import { uploadTemporaryMedia } from '../../src/wechat/media-upload.js';
import { useTestDb } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';

const db = useTestDb();
let app: Harness;
let png: Buffer;

beforeAll(async () => {
  app = await startHarness({ dbUri: db.uri });
  png = await QRCode.toBuffer('https://example.com/chart', { type: 'png' });
});
afterAll(async () => {
  await app?.close();
});

describe('temporary media upload', () => {
  it('uploads a PNG as multipart form data and answers the media id WeChat keeps the bytes under', async () => {
    const { mediaId } = await uploadTemporaryMedia(app.fanhook.api, {
      type: 'image',
      bytes: png,
      filename: 'chart.png',
      contentType: 'image/png',
    });
    const call = app.fake.callsTo('/cgi-bin/media/upload').at(-1);
    expect(call?.query).toMatchObject({ type: 'image' });
    expect(call?.body).toEqual({ media: { filename: 'chart.png', contentType: 'image/png', bytes: png.length } });
    expect(app.fake.media(mediaId)?.bytes.equals(png)).toBe(true);
  });

  it('reports a refused upload as a WechatApiError with WeChat’s errcode (not an image → 40005)', async () => {
    const upload = uploadTemporaryMedia(app.fanhook.api, {
      type: 'image',
      bytes: Buffer.from('not an image'),
      filename: 'chart.png',
      contentType: 'image/png',
    });
    await expect(upload).rejects.toBeInstanceOf(WechatApiError);
    await expect(upload).rejects.toMatchObject({ errcode: 40005, path: '/cgi-bin/media/upload' });
  });

  it('retries an upload after WeChat was busy (-1): the same bytes arrive on the second attempt', async () => {
    app.fake.failNext('/cgi-bin/media/upload', -1);
    const { mediaId } = await uploadTemporaryMedia(app.fanhook.api, {
      type: 'image',
      bytes: png,
      filename: 'chart.png',
      contentType: 'image/png',
    });
    expect(app.fake.media(mediaId)?.bytes.equals(png)).toBe(true);
  });
});

describe('a customer-service image message', () => {
  it('reaches a fan who wrote within 48 hours, and the simulator can save the image it shows', async () => {
    const openId = 'oMediaFan1';
    await app.fan(openId).sendText('你好');
    const mediaId = await sendImageMessage(app.fanhook, openId, { bytes: png, filename: 'qr.png' });
    expect(app.fake.customMessagesFor(openId)).toEqual([{ touser: openId, msgtype: 'image', image: { media_id: mediaId } }]);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-images-'));
    try {
      const file = await saveReceivedImage(app.fake.url, mediaId, dir);
      expect(file).toBe(path.join(dir, `${mediaId}.png`));
      expect((await readFile(file!)).equals(png)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is not sent to a fan whose window is closed (nothing delivered)', async () => {
    const openId = 'oMediaFanNeverWrote';
    await expect(sendImageMessage(app.fanhook, openId, { bytes: png, filename: 'qr.png' })).rejects.toMatchObject({
      code: 'window_closed',
    });
    expect(app.fake.customMessagesFor(openId)).toEqual([]);
  });
});
