import { describe, expect, it } from 'vitest';
import { computeMsgSignature, computeSignature, signQuery, verifyMsgSignature, verifySignature } from '../../src/wechat/signature.js';

// shared/WECHAT.md §1 (official worked examples) and §4.3 (V1/V2/V3 vectors).
describe('computeSignature', () => {
  it('should match the official GET handshake example', () => {
    expect(computeSignature(['AAAAA', '1714036504', '1514711492'])).toBe('f464b24fc39322e44b38aa78f5edd27bd1441696');
  });

  it('should match the official plaintext POST example', () => {
    expect(computeSignature(['AAAAA', '1714037059', '486452656'])).toBe('899cf89e464efb63f54ddac96b0a0a235f53aa78');
  });

  it('should not depend on the order of the parts', () => {
    expect(computeSignature(['1514711492', 'AAAAA', '1714036504'])).toBe('f464b24fc39322e44b38aa78f5edd27bd1441696');
  });

  it('should sort in byte order (digits before upper case before lower case)', () => {
    expect(computeSignature(['b', 'B', '1'])).toBe(computeSignature(['1Bb']));
  });

  it('should match the V1 plain signature', () => {
    expect(computeSignature(['pamtest', '1409304348', 'xxxxxx'])).toBe('76480565cbe296026c53aaacd1ad523a1ddba24f');
  });
});

describe('verifySignature', () => {
  const params = { signature: 'f464b24fc39322e44b38aa78f5edd27bd1441696', timestamp: '1714036504', nonce: '1514711492' };

  it('should accept the official example', () => {
    expect(verifySignature('AAAAA', params)).toBe(true);
    expect(
      verifySignature('AAAAA', { signature: '899cf89e464efb63f54ddac96b0a0a235f53aa78', timestamp: '1714037059', nonce: '486452656' }),
    ).toBe(true);
  });

  it('should reject a tampered timestamp, nonce, token or signature', () => {
    expect(verifySignature('AAAAA', { ...params, timestamp: '1714036505' })).toBe(false);
    expect(verifySignature('AAAAA', { ...params, nonce: '1514711493' })).toBe(false);
    expect(verifySignature('AAAAB', params)).toBe(false);
    expect(verifySignature('AAAAA', { ...params, signature: 'f464b24fc39322e44b38aa78f5edd27bd1441697' })).toBe(false);
  });

  it('should return false (not throw) for a signature of a different length', () => {
    expect(verifySignature('AAAAA', { ...params, signature: params.signature.slice(0, 39) })).toBe(false);
    expect(verifySignature('AAAAA', { ...params, signature: `${params.signature}0` })).toBe(false);
    expect(verifySignature('AAAAA', { ...params, signature: '' })).toBe(false);
  });

  it('should return false for missing parameters', () => {
    const missing = { signature: undefined, timestamp: undefined, nonce: undefined } as unknown as typeof params;
    expect(verifySignature('AAAAA', missing)).toBe(false);
  });
});

describe('msg_signature', () => {
  const v2Encrypt =
    'rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA==';

  it('should match the V2 inbound vector', () => {
    expect(computeMsgSignature('pamtest', '1458300676', '260774613', v2Encrypt)).toBe('4f3ad57b6989f09f4eb392acce4f9e93942ed890');
    expect(
      verifyMsgSignature('pamtest', {
        msgSignature: '4f3ad57b6989f09f4eb392acce4f9e93942ed890',
        timestamp: '1458300676',
        nonce: '260774613',
        encrypt: v2Encrypt,
      }),
    ).toBe(true);
  });

  it('should reject a tampered Encrypt or a short signature', () => {
    const base = {
      msgSignature: '4f3ad57b6989f09f4eb392acce4f9e93942ed890',
      timestamp: '1458300676',
      nonce: '260774613',
      encrypt: v2Encrypt,
    };
    expect(verifyMsgSignature('pamtest', { ...base, encrypt: `A${v2Encrypt.slice(1)}` })).toBe(false);
    expect(verifyMsgSignature('pamtest', { ...base, msgSignature: 'abc' })).toBe(false);
  });

  it('should match the V3 (WeCom) echostr vector', () => {
    const echo = '4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==';
    expect(
      verifyMsgSignature('123456', {
        msgSignature: 'dd6b9c95b495b3f7e2901bfbc76c664930ffdb96',
        timestamp: '1411443780',
        nonce: '437374425',
        encrypt: echo,
      }),
    ).toBe(true);
    expect(
      verifyMsgSignature('123456', {
        msgSignature: 'dd6b9c95b495b3f7e2901bfbc76c664930ffdb96',
        timestamp: '1411443780',
        nonce: '437374424',
        encrypt: echo,
      }),
    ).toBe(false);
  });
});

describe('signQuery', () => {
  it('should produce parameters that verify', () => {
    const query = signQuery('tok');
    expect(query.timestamp).toMatch(/^\d+$/);
    expect(query.nonce).toMatch(/^\d+$/);
    expect(verifySignature('tok', query)).toBe(true);
    expect(query.msg_signature).toBeUndefined();
  });

  it('should use the given timestamp and nonce', () => {
    expect(signQuery('AAAAA', { timestamp: 1714036504, nonce: '1514711492' })).toEqual({
      signature: 'f464b24fc39322e44b38aa78f5edd27bd1441696',
      timestamp: '1714036504',
      nonce: '1514711492',
    });
  });

  it('should add msg_signature and encrypt_type when an Encrypt is given', () => {
    const query = signQuery('tok', { encrypt: 'abcd' });
    expect(query.encrypt_type).toBe('aes');
    expect(
      verifyMsgSignature('tok', {
        msgSignature: query.msg_signature ?? '',
        timestamp: query.timestamp,
        nonce: query.nonce,
        encrypt: 'abcd',
      }),
    ).toBe(true);
  });
});
