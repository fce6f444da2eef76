/**
 * Signature checks: forged signatures are refused whatever they share with the right one,
 * and malformed ones (missing, not a string, wrong length) are refused without throwing.
 * The comparison itself is crypto.timingSafeEqual (src/wechat/signature.ts `safeEqual`); only
 * the length, public for a SHA-1 hex, is compared first.
 */
import { describe, expect, it } from 'vitest';
import { computeMsgSignature, computeSignature, verifyMsgSignature, verifySignature } from '../../src/wechat/signature.js';

const TOKEN = 'pamtest';
const params = { timestamp: '1409304348', nonce: 'xxxxxx' };
const flipLast = (hex: string): string => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
const flipFirst = (hex: string): string => `${hex.startsWith('0') ? '1' : '0'}${hex.slice(1)}`;

describe('signature comparison', () => {
  it('refuses a forgery that differs only in its last or only in its first character', () => {
    const good = computeSignature([TOKEN, params.timestamp, params.nonce]);
    expect(good).toBe('76480565cbe296026c53aaacd1ad523a1ddba24f'); // WECHAT.md §4.3 V1
    for (const signature of [flipLast(good), flipFirst(good), good.toUpperCase()]) {
      expect(verifySignature(TOKEN, { ...params, signature })).toBe(false);
    }
    expect(verifySignature(TOKEN, { ...params, signature: good })).toBe(true);
  });

  it('checks msg_signature over the ciphertext the same way', () => {
    const encrypt = 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==';
    const good = computeMsgSignature(TOKEN, params.timestamp, params.nonce, encrypt);
    expect(good).toBe('82c962d39941aa48552f90ef55aa323dc620cc10'); // WECHAT.md §4.3 V1
    expect(verifyMsgSignature(TOKEN, { ...params, encrypt, msgSignature: flipLast(good) })).toBe(false);
    expect(verifyMsgSignature(TOKEN, { ...params, encrypt: `${encrypt}A`, msgSignature: good })).toBe(false);
    expect(verifyMsgSignature(TOKEN, { ...params, encrypt, msgSignature: good })).toBe(true);
  });

  it('refuses missing, non-string and wrong-length signatures without throwing', () => {
    for (const signature of [undefined, 42, '', 'abc', 'x'.repeat(41), '７'.repeat(40)]) {
      expect(verifySignature(TOKEN, { ...params, signature: signature as string })).toBe(false);
    }
  });
});
