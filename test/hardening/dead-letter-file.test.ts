/**
 * When the database cannot take a dead letter (it is unreachable), the letter goes to a file
 * in the spool directory with one log line, and the operator still sees it and can take it.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeadLetterStore } from '../../src/interactions/dead-letter-store.js';
import { createLogger } from '../../src/lib/logger.js';
import { parseInboundXml } from '../../src/wechat/inbound-xml.js';
import { buildTextXml } from '../builders/inbound.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-dead-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dead letters while the database is away', () => {
  it('writes the letter to a file in the spool directory, logs it once, and lists and takes it from there', async () => {
    // A database nobody listens on, and a connection that does not queue commands meanwhile.
    const offline = mongoose.createConnection('mongodb://127.0.0.1:9/unreachable', {
      bufferCommands: false,
      serverSelectionTimeoutMS: 200,
    });
    offline.asPromise().catch(() => undefined);
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    });
    const store = new DeadLetterStore(offline, { dir, ownerId: 'test-owner', logger });
    const message = parseInboundXml(buildTextXml({ fromUserName: 'oDeadWhileAway', content: '总是失败' }));

    await store.add({ message, reason: 'failed', error: 'Error: boom', attempts: 3, receivedAt: Date.now() });

    expect(await readdir(dir)).toEqual(['dead-test-owner.jsonl']);
    expect(lines.filter((line) => line.includes('given up on'))).toHaveLength(1);
    expect(lines.join('')).toContain('oDeadWhileAway');

    // The operator's view reads the file even though the database is away, and can take it.
    const [listed] = await store.listFiles();
    expect(listed).toMatchObject({ reason: 'failed', attempts: 3, where: 'dead-test-owner.jsonl', message: { content: '总是失败' } });
    expect(await store.take(listed!.id)).toMatchObject({ id: listed!.id });
    expect(await store.listFiles()).toEqual([]);
    await offline.close();
  });
});
