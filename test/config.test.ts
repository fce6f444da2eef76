import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const valid = {
  WECHAT_TOKEN: 'fanhooktoken',
  WECHAT_APPID: 'wx1234567890abcdef',
  WECHAT_APPSECRET: '0123456789abcdef0123456789abcdef',
};

const errorOf = (env: Record<string, string | undefined>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to throw');
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(3000);
    expect(config.wechat.apiBase).toBe('https://api.weixin.qq.com');
    expect(config.wechat.aesKey).toBeUndefined();
    expect(config.mongodbUri).toBeUndefined();
    expect(config.timezone).toBe('Asia/Shanghai');
    expect(config.adminOpenIds).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses comma-separated admin and staff openids, ignoring blanks and spaces', () => {
    const config = loadConfig({ ...valid, ADMIN_OPENIDS: ' oAdmin1, oAdmin2,,', STAFF_OPENIDS: 'oStaff1' });
    expect(config.adminOpenIds).toEqual(['oAdmin1', 'oAdmin2']);
    expect(config.staffOpenIds).toEqual(['oStaff1']);
  });

  it('prefers FANHOOK_TIMEZONE over TZ', () => {
    expect(loadConfig({ ...valid, TZ: 'UTC', FANHOOK_TIMEZONE: 'Asia/Hong_Kong' }).timezone).toBe('Asia/Hong_Kong');
    expect(loadConfig({ ...valid, TZ: 'UTC' }).timezone).toBe('UTC');
  });

  it.each([
    [{ WECHAT_TOKEN: undefined }, 'Invalid configuration: WECHAT_TOKEN is required'],
    [{ WECHAT_APPID: 'not-an-appid' }, 'Invalid configuration: WECHAT_APPID must look like wx0123456789abcdef'],
    [{ WECHAT_AES_KEY: 'short' }, 'Invalid configuration: WECHAT_AES_KEY must be the 43-character EncodingAESKey'],
    [{ PORT: 'eighty' }, 'Invalid configuration: PORT'],
    [{ MONGODB_URI: 'postgres://x' }, 'Invalid configuration: MONGODB_URI must start with mongodb:// or mongodb+srv://'],
    [{ WECHAT_API_BASE: 'nope' }, 'Invalid configuration: WECHAT_API_BASE must be an http(s) URL'],
    [{ FANHOOK_TIMEZONE: 'Mars/Olympus' }, 'Invalid configuration: FANHOOK_TIMEZONE is not a known IANA time zone: Mars/Olympus'],
    [{ ADMIN_OPENIDS: 'oGood,bad id' }, 'Invalid configuration: ADMIN_OPENIDS'],
    [{ WECHAT_ACCEPT_PLAINTEXT: 'yes' }, 'Invalid configuration: WECHAT_ACCEPT_PLAINTEXT must be on or off'],
  ])('stops with one line naming the bad variable (%o)', (override, expected) => {
    const message = errorOf({ ...valid, ...override });
    expect(message.startsWith(expected)).toBe(true);
    expect(message).not.toContain('\n');
  });

  it('accepts plaintext callbacks beside an AES key only when WECHAT_ACCEPT_PLAINTEXT=on', () => {
    expect(loadConfig(valid).wechat.acceptPlaintext).toBe(false);
    expect(loadConfig({ ...valid, WECHAT_ACCEPT_PLAINTEXT: 'on' }).wechat.acceptPlaintext).toBe(true);
  });

  it('never puts the secret into the error message', () => {
    const message = errorOf({ ...valid, WECHAT_APPSECRET: 'secret-with-dash-!!' });
    expect(message).toContain('WECHAT_APPSECRET');
    expect(message).not.toContain('secret-with-dash-!!');
  });
});

describe('loadConfig with an env file', () => {
  it('treats empty values as unset, so a blank WECHAT_AES_KEY means plaintext mode', () => {
    const config = loadConfig({ ...valid, WECHAT_AES_KEY: '', MONGODB_URI: '  ' });
    expect(config.wechat.aesKey).toBeUndefined();
    expect(config.mongodbUri).toBeUndefined();
  });
});
