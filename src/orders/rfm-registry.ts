/**
 * Holds the RFM tiers in use (templates/rfm.yaml) and swaps them on `/reload`; a failed
 * reload keeps the old tiers. It also answers the segment parser's question "which tier does
 * `分层:重要价值` mean", so a tier is typed by its Chinese name or its key alike.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRfmTiers, type RfmTier } from './rfm-tiers.js';

export class RfmRegistry {
  private current: readonly RfmTier[];

  constructor(
    private readonly dir: string,
    initial: readonly RfmTier[],
  ) {
    this.current = initial;
  }

  /** Loads `rfm.yaml` from the templates directory for the first time. */
  static async load(dir: string): Promise<RfmRegistry> {
    return new RfmRegistry(dir, await readTiers(dir));
  }

  get tiers(): readonly RfmTier[] {
    return this.current;
  }

  /** The tier key `text` names (its key, any case, or its Chinese name). */
  tierKeyOf(text: string): string | undefined {
    const wanted = text.toLowerCase();
    return this.current.find((tier) => tier.key === wanted || tier.name === text)?.key;
  }

  /** "重要价值（vip）、…": the tiers a segment may name. */
  tierList(): string {
    return this.current.map((tier) => `${tier.name}（${tier.key}）`).join('、') || '（没有分层：templates/rfm.yaml 不存在）';
  }

  /** The display name of `key`, or the key itself when the file no longer has it. */
  nameOf(key: string): string {
    return this.current.find((tier) => tier.key === key)?.name ?? key;
  }

  /** Re-reads the file; on error throws and keeps the previous tiers. */
  async reload(): Promise<void> {
    this.current = await readTiers(this.dir);
  }
}

/** The tiers of `rfm.yaml`; none when the file does not exist (a templates folder from before RFM tiers). */
async function readTiers(dir: string): Promise<RfmTier[]> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'rfm.yaml'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  return parseRfmTiers(text, 'rfm.yaml');
}
