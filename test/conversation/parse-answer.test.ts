import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnswer } from '../../src/conversation/parse-answer.js';
import { pickQuestion } from '../../src/conversation/pick-question.js';
import { parseQuestions } from '../../src/conversation/questions.js';
import type { InboundMessage } from '../../src/wechat/inbound.js';

const set = parseQuestions(readFileSync('templates/questions.yaml', 'utf8'));
const question = (key: string) => set.questions.find((q) => q.key === key)!;
const now = new Date('2026-11-20T10:00:00Z');

describe('parseAnswer', () => {
  it.each([
    ['size', 'XL', 'XL'],
    ['size', '我一般穿m码', 'M'],
    ['size', '加大码吧', 'XL'],
    ['size', 'L', 'L'],
    ['size', '看情况', null],
    ['color', '3', '奶油色'],
    ['color', '我喜欢黑色', '黑白灰'],
    ['color', '莫兰迪', '莫兰迪'],
    ['color', '都行', null],
    ['birthday', '5月20日', '05-20'],
    ['birthday', '1996-05-20', '1996-05-20'],
    ['birthday', '1996年5月20号', '1996-05-20'],
    ['birthday', '02-29', '02-29'],
    ['birthday', '2月30日', null],
    ['birthday', '2030-01-01', null],
    ['birthday', '不记得了', null],
    ['city', '杭州市', '杭州'],
    ['city', '上海', '上海'],
    ['city', 'hangzhou', null],
    ['city', '我住在一个很远很远的小地方', null],
  ])('%s: "%s" → %s', (key, text, expected) => {
    expect(parseAnswer(question(key), text, now)).toBe(expected);
  });
});

describe('pickQuestion', () => {
  const base = { toUserName: 'gh', fromUserName: 'o', createTime: 1, msgType: 'event', raw: {} };
  const click = (eventKey: string) => ({ ...base, kind: 'menu_click', eventKey }) as InboundMessage;
  const hoursAgo = (n: number) => new Date(now.getTime() - n * 3_600_000);

  it.each([
    ['asks the first open question that fits the moment', { attributes: {} }, click('NEW'), 'size'],
    ['skips what the fan already answered', { attributes: { size: 'M' } }, click('NEW'), 'color'],
    ['skips what the fan skipped', { attributes: {}, skippedQuestions: ['size', 'color'] }, click('NEW'), undefined],
    [
      'asks nothing while a question is pending',
      { attributes: {}, pendingQuestion: { key: 'size', askedAt: now, attempts: 0 } },
      click('NEW'),
      undefined,
    ],
    ['asks nothing within 20 hours of the last question', { attributes: {}, lastQuestionAt: hoursAgo(3) }, click('NEW'), undefined],
    ['asks again a day later', { attributes: { size: 'M' }, lastQuestionAt: hoursAgo(25) }, click('SALE'), 'color'],
    ['asks only at a fitting moment', { attributes: {} }, click('STORE'), 'city'],
  ])('%s', (_name, fan, message, expected) => {
    expect(pickQuestion(set, fan, message, now)?.key).toBe(expected);
  });
});

describe('parseQuestions', () => {
  it('rejects a question with an unknown type naming it', () => {
    expect(() => parseQuestions('questions:\n  - { key: shoe, type: number, ask: a, retry: b, thanks: c }\n')).toThrow(
      'questions.yaml: question "shoe" (questions[0])',
    );
  });
});
