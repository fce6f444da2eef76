import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { WechatCrypto } from '../../src/wechat/crypto.js';
import { computeMsgSignature, verifyMsgSignature } from '../../src/wechat/signature.js';
import { parseInboundXml } from '../../src/wechat/inbound-xml.js';
import { buildEncryptedReplyXml } from '../../src/wechat/reply-xml.js';
import { parseEncryptedEnvelope } from '../../src/wechat/xml-parse.js';

// Vectors: shared/WECHAT.md §4.3.
const V1 = {
  token: 'pamtest',
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wxb11529c136998cb6',
  timestamp: '1409304348',
  nonce: 'xxxxxx',
  random: Buffer.from('aaaabbbbccccdddd'),
};
const MSG_A = '我是中文abcd123';
const ENCRYPT_A = 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==';
const MSG_B =
  '<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>';
const ENCRYPT_B =
  'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb';
const V2_ENCRYPT =
  'rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA==';
const V2_PLAIN =
  '<xml><URL><![CDATA[http://wechat.laravel.so/server]]></URL><ToUserName><![CDATA[asdasdasd]]></ToUserName><FromUserName><![CDATA[asdasdasdsadasd]]></FromUserName><CreateTime>1234567898</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>12345</MsgId></xml>';

// V3: wechatpy tests/test_crypto.py (WeCom; the trailing id is a corp id).
const V3 = {
  token: '123456',
  aesKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  appId: 'wx49f0ab532d5d035a',
  timestamp: '1411525903',
  nonce: '461056294',
};
const V3_INBOUND = `<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>
<Encrypt><![CDATA[RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=]]></Encrypt>
<AgentID><![CDATA[1]]></AgentID>
</xml>`;
const V3_REPLY = `<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>`;
const V3_REPLY_ENCRYPT =
  '9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3';

const OTHER_KEY = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';
const v1 = new WechatCrypto({ appId: V1.appId, aesKey: V1.aesKey });

function decryptError(run: () => unknown): ValidationError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  return caught as ValidationError;
}

describe('WechatCrypto — official vectors', () => {
  it('should encrypt V1 message A to the exact Base64 with random aaaabbbbccccdddd', () => {
    expect(v1.encrypt(MSG_A, V1.random)).toBe(ENCRYPT_A);
  });

  it('should encrypt V1 message B to the exact Base64', () => {
    expect(v1.encrypt(MSG_B, V1.random)).toBe(ENCRYPT_B);
  });

  it('should compute the V1 msg signatures', () => {
    expect(computeMsgSignature(V1.token, V1.timestamp, V1.nonce, ENCRYPT_A)).toBe('82c962d39941aa48552f90ef55aa323dc620cc10');
    expect(computeMsgSignature(V1.token, V1.timestamp, V1.nonce, ENCRYPT_B)).toBe('ea88b765074e41eb8c7a75b449db34fa2fd560d5');
  });

  it('should decrypt the V1 ciphertexts back', () => {
    expect(v1.decrypt(ENCRYPT_A)).toEqual({ message: MSG_A, keyUsed: 'current' });
    expect(v1.decrypt(ENCRYPT_B)).toEqual({ message: MSG_B, keyUsed: 'current' });
  });

  it('should decrypt V2 to the exact XML, which then parses', () => {
    const { message } = v1.decrypt(V2_ENCRYPT);
    expect(message).toBe(V2_PLAIN);
    expect(parseInboundXml(message)).toMatchObject({ kind: 'text', content: 'hello', msgId: '12345', createTime: 1234567898 });
  });

  it('should decrypt the V3 WeCom inbound vector and verify its msg_signature', () => {
    const crypto = new WechatCrypto({ appId: V3.appId, aesKey: V3.aesKey });
    const { encrypt, toUserName } = parseEncryptedEnvelope(V3_INBOUND);
    expect(toUserName).toBe('wx49f0ab532d5d035a');
    expect(
      verifyMsgSignature(V3.token, {
        msgSignature: '74d92dfeb87ba7c714f89d98870ae5eb62dff26d',
        timestamp: V3.timestamp,
        nonce: V3.nonce,
        encrypt,
      }),
    ).toBe(true);
    const parsed = parseInboundXml(crypto.decrypt(encrypt).message);
    expect(parsed).toMatchObject({ kind: 'text', content: 'test', fromUserName: 'messense' });
  });

  it('should encrypt the V3 reply to the exact Encrypt and MsgSignature', () => {
    const crypto = new WechatCrypto({ appId: V3.appId, aesKey: V3.aesKey });
    const encrypt = crypto.encrypt(V3_REPLY, Buffer.from('1234567890123456'));
    expect(encrypt).toBe(V3_REPLY_ENCRYPT);
    const msgSignature = computeMsgSignature(V3.token, V3.timestamp, V3.nonce, encrypt);
    expect(msgSignature).toBe('407518b7649e86ef23978113f92d27afa9296533');
    expect(buildEncryptedReplyXml({ encrypt, msgSignature, timestamp: V3.timestamp, nonce: V3.nonce })).toBe(
      `<xml><Encrypt><![CDATA[${V3_REPLY_ENCRYPT}]]></Encrypt><MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]></MsgSignature><TimeStamp>1411525903</TimeStamp><Nonce><![CDATA[461056294]]></Nonce></xml>`,
    );
  });
});

describe('WechatCrypto — rejection', () => {
  it('should reject a message encrypted for another AppID', () => {
    const other = new WechatCrypto({ appId: 'wx0000000000000000', aesKey: V1.aesKey });
    expect(decryptError(() => other.decrypt(ENCRYPT_A)).message).toBe('decrypted AppID does not match');
  });

  it('should reject a wrong key cleanly with a ValidationError, never an OpenSSL error', () => {
    const wrong = new WechatCrypto({ appId: V1.appId, aesKey: OTHER_KEY });
    for (const encrypt of [ENCRYPT_A, ENCRYPT_B, V2_ENCRYPT]) {
      const error = decryptError(() => wrong.decrypt(encrypt));
      expect(error.message).toMatch(/padding|length|AppID|too short/);
    }
  });

  it('should reject invalid Base64 and bad ciphertext lengths', () => {
    expect(decryptError(() => v1.decrypt('not base64!')).message).toBe('Encrypt is not valid Base64');
    expect(decryptError(() => v1.decrypt('')).message).toBe('Encrypt is not valid Base64');
    expect(decryptError(() => v1.decrypt('QUJD')).message).toBe('Encrypt has an invalid ciphertext length');
    expect(decryptError(() => v1.decrypt(Buffer.alloc(40).toString('base64'))).message).toBe('Encrypt has an invalid ciphertext length');
  });

  it('should reject a tampered ciphertext', () => {
    const bytes = Buffer.from(ENCRYPT_B, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    expect(decryptError(() => v1.decrypt(bytes.toString('base64'))).message).toMatch(/padding|length|AppID|too short/);
  });

  it('should validate construction with TypeErrors', () => {
    expect(() => new WechatCrypto({ appId: V1.appId, aesKey: 'short' })).toThrow(TypeError);
    expect(() => new WechatCrypto({ appId: V1.appId, aesKey: `${V1.aesKey.slice(0, 42)}!` })).toThrow(TypeError);
    expect(() => new WechatCrypto({ appId: '', aesKey: V1.aesKey })).toThrow(TypeError);
    expect(() => new WechatCrypto({ appId: V1.appId, aesKey: V1.aesKey, previousAesKey: 'bad' })).toThrow(/previousAesKey/);
    expect(() => v1.encrypt('x', Buffer.alloc(15))).toThrow(TypeError);
    expect(() => v1.encryptWith('previous', 'x')).toThrow(/no previousAesKey/);
  });
});

describe('WechatCrypto — key rotation (WECHAT.md §4.1)', () => {
  const rotated = new WechatCrypto({ appId: V1.appId, aesKey: OTHER_KEY, previousAesKey: V1.aesKey });

  it('should fall back to the previous key and report it', () => {
    expect(rotated.hasPreviousKey).toBe(true);
    expect(rotated.decrypt(ENCRYPT_A)).toEqual({ message: MSG_A, keyUsed: 'previous' });
  });

  it('should prefer the current key', () => {
    const encrypt = rotated.encrypt('<xml>now</xml>');
    expect(rotated.decrypt(encrypt)).toEqual({ message: '<xml>now</xml>', keyUsed: 'current' });
  });

  it('should encrypt the reply with the key that decrypted the request', () => {
    const { keyUsed } = rotated.decrypt(ENCRYPT_A);
    expect(rotated.encryptWith(keyUsed, MSG_A, V1.random)).toBe(ENCRYPT_A);
    expect(v1.decrypt(rotated.encryptWith(keyUsed, 'reply')).message).toBe('reply');
  });

  it('should fail with a ValidationError when neither key works', () => {
    const neither = new WechatCrypto({ appId: V1.appId, aesKey: OTHER_KEY, previousAesKey: V3.aesKey });
    expect(decryptError(() => neither.decrypt(ENCRYPT_A)).message).toMatch(
      /^could not decrypt with the current or previous EncodingAESKey/,
    );
  });

  it('should treat an empty previousAesKey as none', () => {
    expect(new WechatCrypto({ appId: V1.appId, aesKey: V1.aesKey, previousAesKey: '' }).hasPreviousKey).toBe(false);
  });
});

describe('WechatCrypto — round trips', () => {
  it('should round-trip Chinese text and emoji', () => {
    const message = '<xml><Content><![CDATA[你好，世界 👋 粉丝]]></Content></xml>';
    expect(v1.decrypt(v1.encrypt(message)).message).toBe(message);
  });

  it('should round-trip every length around the 32-byte padding boundary', () => {
    for (let length = 0; length <= 70; length += 1) {
      const message = 'x'.repeat(length);
      const encrypt = v1.encrypt(message);
      expect(Buffer.from(encrypt, 'base64').length % 32).toBe(0);
      expect(v1.decrypt(encrypt).message).toBe(message);
    }
  });

  it('should use a fresh random prefix each time', () => {
    expect(v1.encrypt('same')).not.toBe(v1.encrypt('same'));
  });
});
