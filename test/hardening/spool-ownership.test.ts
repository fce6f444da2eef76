/**
 * Spool files survive the PID 1 restart: a file half replayed by a process that died is
 * taken over once its owner's lease has gone stale, even when the new process has the same
 * PID (in a container node is PID 1 after every restart); a live owner's file is left alone.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InboundSpool } from '../../src/interactions/inbound-spool.js';
import { replayedBy, spoolEntry as entry } from '../builders/spool.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fanhook-spool-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A process that spooled two messages and was replaying them when it stopped answering. */
async function crashedMidReplay(): Promise<InboundSpool> {
  const previous = new InboundSpool(dir, { leaseMs: 30_000 });
  await previous.append(entry('第一条'));
  await previous.append(entry('第二条'));
  let started!: () => void;
  const replayStarted = new Promise<void>((resolve) => (started = resolve));
  // The replay hangs on its first entry: the file is claimed, nothing is done yet.
  void previous.replayAll(() => {
    started();
    return new Promise<boolean>(() => undefined);
  });
  await replayStarted;
  return previous;
}

describe('spool files of a process that died during replay', () => {
  it('replays a half-replayed file once its owner stopped renewing its lease, though the new process has the same PID', async () => {
    await crashedMidReplay();
    // The restarted process (same PID: this one) looks 60 s later, when no heartbeat came.
    const restarted = new InboundSpool(dir, { leaseMs: 30_000, now: () => Date.now() + 60_000 });
    const { count, replayed } = await replayedBy(restarted);
    expect(count).toBe(2);
    expect(replayed).toEqual(['第一条', '第二条']);
    expect((await readdir(dir)).filter((name) => name.startsWith('inbound-'))).toEqual([]);
  });

  it('leaves a half-replayed file alone while its owner keeps its lease fresh', async () => {
    await crashedMidReplay();
    const other = new InboundSpool(dir, { leaseMs: 30_000 });
    const { count, replayed } = await replayedBy(other);
    expect(count).toBe(0);
    expect(replayed).toEqual([]);
    expect((await readdir(dir)).filter((name) => name.includes('.replaying-'))).toHaveLength(1);
  });

  it('lets another process replay at once what a cleanly stopped process left in the spool', async () => {
    const stopped = new InboundSpool(dir);
    await stopped.append(entry('停机前收到'));
    await stopped.close();
    const survivor = new InboundSpool(dir);
    const { replayed } = await replayedBy(survivor);
    expect(replayed).toEqual(['停机前收到']);
  });
});
