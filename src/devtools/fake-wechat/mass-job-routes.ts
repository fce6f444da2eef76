/**
 * Mass jobs after they are sent (shared/WECHAT.md §6): reading a job's status, deleting it,
 * and the account-wide send speed.
 */
import { OK, error, isObject, type Answer, type FakeRequest } from './answers.js';
import type { FakeAccount } from './fake-account.js';
import { RawInteger } from './json-text.js';
import type { FakeMassJob } from './types.js';

function findJob(account: FakeAccount, body: unknown): FakeMassJob | undefined {
  if (!isObject(body)) {
    return undefined;
  }
  const id = body.msg_id;
  return typeof id === 'string' || typeof id === 'number' ? account.jobs.get(String(id)) : undefined;
}

/** POST /cgi-bin/message/mass/get: the status of a mass job. */
export function massGet(account: FakeAccount, req: FakeRequest): Answer {
  const job = findJob(account, req.body);
  if (!job) {
    return error(40097);
  }
  return { body: { msg_id: new RawInteger(job.msgId), msg_status: job.status } };
}

/** POST /cgi-bin/message/mass/delete: marks an article or video mass job deleted. */
export function massDelete(account: FakeAccount, req: FakeRequest): Answer {
  const job = findJob(account, req.body);
  // Only article and video sends can be deleted (§6.7).
  if (!job || (job.msgtype !== 'mpnews' && job.msgtype !== 'mpvideo')) {
    return error(40097);
  }
  job.status = 'DELETE';
  return OK;
}

/** POST /cgi-bin/message/mass/speed/get and /set: the account-wide mass-send speed level. */
export function massSpeed(account: FakeAccount, req: FakeRequest): Answer {
  if (req.path.endsWith('/set')) {
    const speed = isObject(req.body) ? req.body.speed : undefined;
    if (speed === undefined) {
      return error(45084);
    }
    if (typeof speed !== 'number' || !Number.isInteger(speed) || speed < 0 || speed > 4) {
      return error(45083);
    }
    account.speed = speed;
    return OK;
  }
  const perMinute = [80, 60, 45, 30, 10][account.speed] ?? 80;
  return { body: { speed: account.speed, realspeed: perMinute * 10 } };
}
