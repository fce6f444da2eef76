/**
 * The inbound spool when the disk fails for a moment: an append that failed does not make every
 * later append fail, and a replay cut short by an error loses none of what it had claimed, nor
 * what was spooled meanwhile.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InboundSpool } from '../../src/interactions/inbound-spool.js';
import { replayedBy, spoolEntry as entry } from '../builders/spool.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-spool-failures-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the inbound spool after a disk error', () => {
  it('still spools the messages that come after an append that failed', async () => {
    const spoolDir = path.join(dir, 'spool');
    const spool = new InboundSpool(spoolDir);
    await spool.append(entry('第一条'));
    await spool.replayAll(async () => true);
    // The directory is gone for a moment: the next append cannot open its file.
    await rm(spoolDir, { recursive: true, force: true });
    await expect(spool.append(entry('丢失的一条'))).rejects.toThrow('ENOENT');
    await mkdir(spoolDir, { recursive: true });
    await spool.append(entry('第二条'));
    await spool.append(entry('第三条'));
    expect((await replayedBy(spool)).replayed).toEqual(['第二条', '第三条']);
    await spool.close();
  });

  it('replays everything a replay cut short had claimed, and what was spooled while it ran', async () => {
    // Several spools, so the outcome does not hang on the order one directory lists its files in.
    for (let i = 0; i < 8; i += 1) {
      const spool = new InboundSpool(path.join(dir, `spool-${i}`));
      await spool.append(entry('第一条'));
      await spool.append(entry('第二条'));
      // The replay's first entry spools a live message, then the replay breaks off (as when
      // writing an entry back fails).
      const cutShort = spool.replayAll((): Promise<boolean> => {
        void spool.append(entry('期间的一条'));
        throw new Error('disk error');
      });
      await expect(cutShort).rejects.toThrow('disk error');
      expect((await replayedBy(spool)).replayed.sort()).toEqual(['第一条', '第二条', '期间的一条'].sort());
      await spool.close();
    }
  });
});
