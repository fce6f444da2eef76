/**
 * Names from fans and merchants that every JavaScript object has (`constructor`, `toString`…):
 * template variables, menu and scene texts, and question keys never resolve to them (issue 12
 * item 6; the signed-callback side is fan-keys.db.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseQuestions } from '../../src/conversation/questions.js';
import { parseReplyTemplates, renderTemplate } from '../../src/conversation/templates.js';

describe('template variables are data', () => {
  it('renders a variable named like an object built-in as empty text', () => {
    const text = renderTemplate(
      '[{{fan.attributes.constructor}}][{{fan.toString}}][{{#fan.hasOwnProperty}}x{{/fan.hasOwnProperty}}][{{fan.attributes.size}}]',
      {
        fan: { attributes: { size: 'M' } },
      },
    );
    expect(text).toBe('[][][][M]');
  });

  it('still renders sections over lists and dates as values', () => {
    const text = renderTemplate('{{#fan.tags}}{{name}};{{/fan.tags}}', { fan: { tags: [{ name: '新粉' }, { name: 'VIP' }] } });
    expect(text).toBe('新粉;VIP;');
  });

  it('finds menu and scene texts only under the keys the merchant wrote', () => {
    const replies = parseReplyTemplates('welcome: { default: 你好, scenes: { store_hz: 杭州 } }\nfallback: 不懂\nmenus: { NEW: 上新 }\n');
    expect(replies.menus.get('NEW')).toBe('上新');
    expect(replies.menus.get('constructor')).toBeUndefined();
    expect(replies.welcome.scenes.get('__proto__')).toBeUndefined();
    expect(replies.welcome.scenes.get('store_hz')).toBe('杭州');
  });
});

describe('question keys are attribute names, never object built-ins', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty'])('refuses the key %s naming the question', (key) => {
    expect(() => parseQuestions(`questions:\n  - { key: ${key}, type: text, ask: a, retry: b, thanks: c }\n`)).toThrow(
      `questions.yaml: question "${key}" (questions[0]): key must not be a name every object has`,
    );
  });
});
