/**
 * WeChat message encryption for compatible/safe mode (shared/WECHAT.md §4): AES-256-CBC with
 * IV = key[0..16), PKCS#7 padding to 32-byte blocks, and the AppID appended to the plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ValidationError } from '../errors.js';

/** Which configured EncodingAESKey decrypted a message (§4.1 key rotation). */
export type AesKeyUsed = 'current' | 'previous';

/** Construction options of `WechatCrypto`. */
export interface WechatCryptoOptions {
  appId: string;
  /** The 43-character EncodingAESKey. */
  aesKey: string;
  /** The key in force before the last rotation; tried when the current one fails (§4.1). */
  previousAesKey?: string;
}

/** A decrypted callback body and the key that opened it. */
export interface DecryptResult {
  message: string;
  keyUsed: AesKeyUsed;
}

/** §4.2: padding is PKCS#7 with a 32-byte block, not AES's 16. */
const PAD_BLOCK = 32;
const RANDOM_LENGTH = 16;
const HEADER_LENGTH = RANDOM_LENGTH + 4;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;

interface AesKey {
  key: Buffer;
  iv: Buffer;
}

function deriveKey(encodingAesKey: string, name: string): AesKey {
  if (typeof encodingAesKey !== 'string' || !ENCODING_AES_KEY.test(encodingAesKey)) {
    throw new TypeError(`${name} must be 43 characters from [A-Za-z0-9] (WeChat EncodingAESKey)`);
  }
  // §4.2: AESKey = Base64Decode(EncodingAESKey + "="), always 32 bytes for 43 valid chars.
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) {
    throw new TypeError(`${name} does not decode to a 32-byte key`);
  }
  return { key, iv: key.subarray(0, 16) };
}

/** Encrypts replies and decrypts callbacks of one Official Account. */
export class WechatCrypto {
  readonly appId: string;
  private readonly current: AesKey;
  private readonly previous: AesKey | undefined;
  private readonly appIdBytes: Buffer;

  constructor(options: WechatCryptoOptions) {
    if (typeof options.appId !== 'string' || options.appId.length === 0) {
      throw new TypeError('appId must be a non-empty string');
    }
    this.appId = options.appId;
    this.appIdBytes = Buffer.from(options.appId, 'utf8');
    this.current = deriveKey(options.aesKey, 'aesKey');
    // An empty previous key means "no rotation in progress" (config often yields '').
    this.previous = options.previousAesKey ? deriveKey(options.previousAesKey, 'previousAesKey') : undefined;
  }

  /** True when a previous key is configured. */
  get hasPreviousKey(): boolean {
    return this.previous !== undefined;
  }

  /** Encrypts with the current key; `random16` is only for reproducible test vectors (§4.3). */
  encrypt(message: string, random16?: Buffer): string {
    return this.encryptWith('current', message, random16);
  }

  /** Encrypts with the key that decrypted the request, as §4.1 requires during a key rotation. */
  encryptWith(keyUsed: AesKeyUsed, message: string, random16?: Buffer): string {
    const aes = this.keyFor(keyUsed);
    const random = random16 ?? randomBytes(RANDOM_LENGTH);
    if (random.length !== RANDOM_LENGTH) {
      throw new TypeError('random16 must be exactly 16 bytes');
    }
    const body = Buffer.from(message, 'utf8');
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(body.length, 0);
    const unpadded = HEADER_LENGTH + body.length + this.appIdBytes.length;
    // n ∈ 1..32: an already aligned plaintext gets a full block of padding (§4.2).
    const pad = PAD_BLOCK - (unpadded % PAD_BLOCK);
    const plain = Buffer.concat([random, length, body, this.appIdBytes, Buffer.alloc(pad, pad)]);
    const cipher = createCipheriv('aes-256-cbc', aes.key, aes.iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
  }

  /** Decrypts a callback `Encrypt`, falling back to the previous key; every failure is a ValidationError. */
  decrypt(encrypt: string): DecryptResult {
    const ciphertext = decodeCiphertext(encrypt);
    try {
      return { message: this.open(ciphertext, this.current), keyUsed: 'current' };
    } catch (currentError) {
      if (this.previous === undefined) {
        throw currentError;
      }
      try {
        return { message: this.open(ciphertext, this.previous), keyUsed: 'previous' };
      } catch {
        // Report the current key's reason: that is the key the sender is expected to use.
        throw new ValidationError(
          `could not decrypt with the current or previous EncodingAESKey: ${(currentError as Error).message}`,
          currentError,
        );
      }
    }
  }

  private keyFor(keyUsed: AesKeyUsed): AesKey {
    if (keyUsed === 'current') {
      return this.current;
    }
    if (this.previous === undefined) {
      throw new TypeError('no previousAesKey is configured');
    }
    return this.previous;
  }

  private open(ciphertext: Buffer, aes: AesKey): string {
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', aes.key, aes.iv);
      decipher.setAutoPadding(false);
      plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch (error) {
      // Never leak a raw OpenSSL error to callers.
      throw new ValidationError('AES decryption failed', error);
    }
    // Like EasyWeChat and wechatpy, the last byte is the pad length; we also bound it (§4.2).
    const pad = plain[plain.length - 1] ?? 0;
    if (pad < 1 || pad > PAD_BLOCK || pad > plain.length) {
      throw new ValidationError('invalid PKCS#7 padding in decrypted message');
    }
    const content = plain.subarray(0, plain.length - pad);
    if (content.length < HEADER_LENGTH) {
      throw new ValidationError('decrypted message is too short');
    }
    const messageLength = content.readUInt32BE(RANDOM_LENGTH);
    if (messageLength > content.length - HEADER_LENGTH) {
      throw new ValidationError('invalid message length in decrypted message');
    }
    const messageEnd = HEADER_LENGTH + messageLength;
    if (!content.subarray(messageEnd).equals(this.appIdBytes)) {
      throw new ValidationError('decrypted AppID does not match');
    }
    return content.toString('utf8', HEADER_LENGTH, messageEnd);
  }
}

function decodeCiphertext(encrypt: string): Buffer {
  if (typeof encrypt !== 'string' || encrypt.length === 0 || encrypt.length % 4 !== 0 || !BASE64.test(encrypt)) {
    throw new ValidationError('Encrypt is not valid Base64');
  }
  const ciphertext = Buffer.from(encrypt, 'base64');
  // Our own padding makes it a multiple of 32; AES-CBC itself needs whole 16-byte blocks.
  if (ciphertext.length < PAD_BLOCK || ciphertext.length % 16 !== 0) {
    throw new ValidationError('Encrypt has an invalid ciphertext length');
  }
  return ciphertext;
}
