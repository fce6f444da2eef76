import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBroadcastTemplates } from '../../src/broadcast/broadcast-templates.js';
import { loadSeries } from '../../src/broadcast/series.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fanhook-templates-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('broadcasts.yaml and series.yaml written by the merchant', () => {
  it('names the file when broadcasts.yaml is not valid YAML', async () => {
    await writeFile(path.join(dir, 'broadcasts.yaml'), 'templates:\n  sale: [unclosed\n');
    await expect(loadBroadcastTemplates(dir)).rejects.toThrow(/^broadcasts\.yaml: not valid YAML: /);
  });

  it('names the file when series.yaml is not valid YAML', async () => {
    await writeFile(path.join(dir, 'series.yaml'), 'welcome:\n  - {day: 1\n');
    await expect(loadSeries(dir)).rejects.toThrow(/^series\.yaml: not valid YAML: /);
  });

  it('loads the shipped files', async () => {
    const shipped = path.resolve('templates');
    expect((await loadBroadcastTemplates(shipped)).size).toBeGreaterThan(0);
    await expect(loadSeries(shipped)).resolves.toBeTruthy();
  });
});
