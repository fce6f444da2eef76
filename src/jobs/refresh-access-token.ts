/**
 * Job: keeps the shared access_token fresh so user-facing calls rarely wait for a refresh.
 * The token store refreshes only inside the last 5 minutes and only one instance at a time.
 */
import type { Agenda } from 'agenda';
import type { AccessTokenStore } from '../wechat/access-token-store.js';
import { retryUnlessPermanent } from './agenda.js';

export const REFRESH_ACCESS_TOKEN_JOB = 'wechat.refresh-token';

export function defineRefreshAccessToken(agenda: Agenda, tokens: AccessTokenStore): void {
  agenda.define(
    REFRESH_ACCESS_TOKEN_JOB,
    async () => {
      await tokens.getToken();
    },
    { concurrency: 1, backoff: retryUnlessPermanent },
  );
}
