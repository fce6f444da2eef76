import { describe, expect, it } from 'vitest';
import { fanToken, isOAuthStateOf, LINK_CODE, newLinkCode, oauthState, openIdOfToken } from '../../src/links/link-signing.js';
import { replaceUrls, urlsIn } from '../../src/links/rewrite-links.js';

const SECRET = 'server-secret';

describe('tracked link codes', () => {
  it('makes short random codes that are never the same twice', () => {
    const codes = new Set(Array.from({ length: 1000 }, () => newLinkCode()));
    expect(codes.size).toBe(1000);
    for (const code of codes) {
      expect(code).toMatch(LINK_CODE);
    }
  });

  it('reads back the fan of a signed per-fan code and refuses one forged for another fan or link', () => {
    const token = fanToken(SECRET, 'AAAAAAAAAAAA', 'oFanA');
    expect(openIdOfToken(SECRET, 'AAAAAAAAAAAA', token)).toBe('oFanA');
    expect(openIdOfToken(SECRET, 'AAAAAAAAAAAA', token.replace('oFanA', 'oFanB'))).toBeNull();
    expect(openIdOfToken(SECRET, 'BBBBBBBBBBBB', token)).toBeNull();
    expect(openIdOfToken('another-secret', 'AAAAAAAAAAAA', token)).toBeNull();
    expect(openIdOfToken(SECRET, 'AAAAAAAAAAAA', 'no-dot')).toBeNull();
    expect(openIdOfToken(SECRET, 'AAAAAAAAAAAA', '$where.x')).toBeNull();
  });

  it('binds the OAuth state to one link code, in the characters WeChat allows', () => {
    const state = oauthState(SECRET, 'AAAAAAAAAAAA');
    expect(state).toMatch(/^[A-Za-z0-9]{1,128}$/);
    expect(isOAuthStateOf(SECRET, 'AAAAAAAAAAAA', state)).toBe(true);
    expect(isOAuthStateOf(SECRET, 'BBBBBBBBBBBB', state)).toBe(false);
  });
});

describe('finding links in message text', () => {
  it.each([
    ['新品：https://shop.example.com/p/1?from=push 快来', ['https://shop.example.com/p/1?from=push']],
    ['看这里https://a.example/x，还有 http://b.example/y。', ['https://a.example/x', 'http://b.example/y']],
    ['<a href="https://a.example/x">点我</a>', ['https://a.example/x']],
    ['End of sentence https://a.example/x.', ['https://a.example/x']],
    ['（https://a.example/x）', ['https://a.example/x']],
    ['no link here, just www.example.com', []],
    ['twice https://a.example/x and https://a.example/x', ['https://a.example/x']],
  ])('%s', (text, urls) => {
    expect(urlsIn(text)).toEqual(urls);
  });

  it('replaces each link and keeps the text around it', () => {
    const text = '上新 https://a.example/x。详情：<a href="https://b.example/y">点我</a>. End https://a.example/x.';
    expect(replaceUrls(text, (url) => (url === 'https://a.example/x' ? 'T1' : 'T2'))).toBe('上新 T1。详情：<a href="T2">点我</a>. End T1.');
  });
});
