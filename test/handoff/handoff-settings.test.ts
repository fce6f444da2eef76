import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandoffSettings, parseHandoffSettings } from '../../src/handoff/handoff-settings.js';
import { newShortId, normalizeShortId } from '../../src/handoff/short-id.js';

const shipped = await readFile('templates/handoff.yaml', 'utf8');

describe('templates/handoff.yaml', () => {
  it('ships valid settings with the spec keywords and staff mode', () => {
    const settings = HandoffSettings.of(parseHandoffSettings(shipped));
    expect(settings.data.mode).toBe('staff');
    expect(settings.keywordIn('你好，我要转人工')).toBe('人工');
    expect(settings.keywordIn('Need a HUMAN please')).toBe('human');
    expect(settings.keywordIn('这件多少钱')).toBeUndefined();
    expect(settings.notice('queued', { shortId: 'A7K2' })).toContain('A7K2');
  });

  it('refuses a file with a bad field and names it', () => {
    expect(() => parseHandoffSettings(shipped.replace(/open: ['"]09:00['"]/, 'open: "9am"'))).toThrow(/businessHours\.open must be HH:MM/);
    expect(() => parseHandoffSettings(shipped.replace(/^mode: staff$/m, 'mode: robots'))).toThrow(/handoff\.yaml: mode/);
    expect(() => parseHandoffSettings(shipped.replace('{{shortId}}）', '{{shortId）'))).toThrow(/bad template syntax/);
  });
});

describe('short ids', () => {
  it('are 4 typeable characters without look-alikes, and read back however staff type them', () => {
    fc.assert(
      fc.property(fc.integer(), () => {
        const id = newShortId();
        expect(id).toMatch(/^[A-HJKMNP-Z2-9]{4}$/);
        expect(normalizeShortId(`#${id.toLowerCase()} `)).toBe(id);
      }),
    );
    expect(normalizeShortId('A7K')).toBeNull();
    expect(normalizeShortId('A7K2X')).toBeNull();
  });
});
