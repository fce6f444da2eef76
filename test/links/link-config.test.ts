import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const valid = {
  WECHAT_TOKEN: 'fanhooktoken',
  WECHAT_APPID: 'wx1234567890abcdef',
  WECHAT_APPSECRET: '0123456789abcdef0123456789abcdef',
};

describe('tracked-link configuration', () => {
  it('keeps links as written until FANHOOK_PUBLIC_URL is set, and attributes orders for 7 days by default', () => {
    const config = loadConfig(valid);
    expect(config.links).toBeUndefined();
    expect(config.wechat.oauthBase).toBe('https://open.weixin.qq.com');
    expect(config.attributionDays).toBe(7);
  });

  it('derives a signing key from the token and AppSecret without exposing either', () => {
    const config = loadConfig({ ...valid, FANHOOK_PUBLIC_URL: 'https://shop.example.com/', FANHOOK_ATTRIBUTION_DAYS: '14' });
    expect(config.links?.publicUrl).toBe('https://shop.example.com');
    expect(config.links?.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(config.links?.secret).not.toContain(valid.WECHAT_APPSECRET);
    expect(loadConfig({ ...valid, WECHAT_TOKEN: 'othertoken', FANHOOK_PUBLIC_URL: 'https://shop.example.com' }).links?.secret).not.toBe(
      config.links?.secret,
    );
    expect(config.attributionDays).toBe(14);
  });

  it.each([
    [
      'FANHOOK_PUBLIC_URL',
      'http://shop.example.com',
      'Invalid configuration: FANHOOK_PUBLIC_URL must be https (http only for localhost or 127.0.0.1)',
    ],
    ['FANHOOK_PUBLIC_URL', 'shop.example.com', 'Invalid configuration: FANHOOK_PUBLIC_URL must be an http(s) URL'],
    ['FANHOOK_ATTRIBUTION_DAYS', '0', 'Invalid configuration: FANHOOK_ATTRIBUTION_DAYS'],
    ['WECHAT_OAUTH_BASE', 'not a url', 'Invalid configuration: WECHAT_OAUTH_BASE must be an http(s) URL'],
  ])('refuses %s=%s with one line naming it', (name, value, message) => {
    expect(() => loadConfig({ ...valid, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, [name]: value })).toThrow(message);
  });

  it('accepts http for a loopback public URL (development)', () => {
    expect(loadConfig({ ...valid, FANHOOK_PUBLIC_URL: 'http://127.0.0.1:3000' }).links?.publicUrl).toBe('http://127.0.0.1:3000');
  });
});
