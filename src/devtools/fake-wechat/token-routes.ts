/**
 * Access tokens (shared/WECHAT.md §9): the stable_token and classic token endpoints, the
 * check every other route runs on its access_token, and expiring all tokens on demand.
 */
import { randomBytes } from 'node:crypto';
import { error, isObject, type Answer, type FakeRequest } from './answers.js';
import type { FakeAccount, TokenRecord } from './fake-account.js';
import { CLASSIC_GRACE_MS, STABLE_ROTATE_S, TOKEN_TTL_S } from './protocol.js';

function issueToken(account: FakeAccount, kind: TokenRecord['kind']): string {
  const token = `${kind === 'stable' ? 'S' : 'C'}_${randomBytes(96).toString('base64url')}`;
  account.tokens.set(token, { kind, expiresAt: account.now() + TOKEN_TTL_S * 1000, revoked: false });
  return token;
}

function tokenAnswer(account: FakeAccount, token: string): Answer {
  const record = account.tokens.get(token);
  const left = record ? Math.floor((record.expiresAt - account.now()) / 1000) : TOKEN_TTL_S;
  return { body: { access_token: token, expires_in: left } };
}

function checkCredentials(account: FakeAccount, grantType: unknown, appId: unknown, secret: unknown): Answer | null {
  if (grantType !== 'client_credential') {
    return error(40002);
  }
  if (appId !== account.opts.appId) {
    return error(40013);
  }
  if (secret !== account.opts.appSecret) {
    return error(40125);
  }
  return null;
}

/** POST /cgi-bin/stable_token: the shared stable token, refreshed only when forced or about to expire. */
export function stableTokenRoute(account: FakeAccount, req: FakeRequest): Answer {
  const body = isObject(req.body) ? req.body : {};
  const bad = checkCredentials(account, body.grant_type, body.appid, body.secret);
  if (bad) {
    return bad;
  }
  const current = account.stableToken ? account.tokens.get(account.stableToken) : undefined;
  if (body.force_refresh === true && current) {
    current.revoked = true;
  }
  const usable = current && !current.revoked && current.expiresAt - account.now() > STABLE_ROTATE_S * 1000;
  // Normal mode hands every instance the same token, so instances never knock each other out.
  if (!usable || !account.stableToken) {
    account.stableToken = issueToken(account, 'stable');
  }
  return tokenAnswer(account, account.stableToken);
}

/** GET /cgi-bin/token: a new classic token on every call. */
export function classicTokenRoute(account: FakeAccount, req: FakeRequest): Answer {
  const bad = checkCredentials(account, req.query.grant_type, req.query.appid, req.query.secret);
  if (bad) {
    return bad;
  }
  // Every classic call issues a new token; the previous one lives on for a 5-minute grace.
  const previous = account.classicToken ? account.tokens.get(account.classicToken) : undefined;
  if (previous) {
    previous.expiresAt = Math.min(previous.expiresAt, account.now() + CLASSIC_GRACE_MS);
  }
  account.classicToken = issueToken(account, 'classic');
  return tokenAnswer(account, account.classicToken);
}

/** The access_token check every authenticated route runs first; null when the token is good. */
export function checkToken(account: FakeAccount, token: string | undefined): Answer | null {
  if (!token) {
    return error(41001);
  }
  const record = account.tokens.get(token);
  if (!record || record.revoked) {
    return error(40001);
  }
  if (record.expiresAt <= account.now()) {
    return error(42001);
  }
  return null;
}

/** Expires every issued token, so the next API call gets 42001. */
export function expireAllTokens(account: FakeAccount): void {
  const now = account.now();
  for (const record of account.tokens.values()) {
    record.expiresAt = Math.min(record.expiresAt, now);
  }
}
