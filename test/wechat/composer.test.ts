import { describe, expect, it } from 'vitest';
import { Composer } from '../../src/wechat/composer.js';
import type { InboundKind } from '../../src/wechat/inbound.js';

interface TestCtx {
  message: { kind: InboundKind };
  log: string[];
}

const ctxOf = (kind: InboundKind): TestCtx => ({ message: { kind }, log: [] });

describe('Composer', () => {
  it('runs middleware in order and stops where next() is not called', async () => {
    const bot = new Composer<TestCtx>();
    bot.use(async (ctx, next) => {
      ctx.log.push('a');
      await next();
      ctx.log.push('a-after');
    });
    bot.use((ctx) => {
      ctx.log.push('b');
    });
    bot.use((ctx) => {
      ctx.log.push('never');
    });
    const ctx = ctxOf('text');
    await bot.run(ctx);
    expect(ctx.log).toEqual(['a', 'b', 'a-after']);
  });

  it('routes by message kind with on() and lets other kinds pass through', async () => {
    const bot = new Composer<TestCtx>();
    bot.on(['subscribe', 'scan'], async (ctx, next) => {
      ctx.log.push('follow-ish');
      await next();
    });
    bot.use((ctx) => {
      ctx.log.push('rest');
    });
    const follow = ctxOf('subscribe');
    const text = ctxOf('text');
    await bot.run(follow);
    await bot.run(text);
    expect(follow.log).toEqual(['follow-ish', 'rest']);
    expect(text.log).toEqual(['rest']);
  });

  it('filters and branches on predicates', async () => {
    const bot = new Composer<TestCtx>();
    bot.filter(
      (ctx) => ctx.message.kind === 'image',
      (ctx) => {
        ctx.log.push('image-only');
      },
    );
    bot.branch(
      (ctx) => ctx.message.kind === 'text',
      (ctx) => {
        ctx.log.push('text');
      },
      (ctx) => {
        ctx.log.push('other');
      },
    );
    const image = ctxOf('image');
    const text = ctxOf('text');
    const voice = ctxOf('voice');
    await Promise.all([bot.run(image), bot.run(text), bot.run(voice)]);
    expect(image.log).toEqual(['image-only']);
    expect(text.log).toEqual(['text']);
    expect(voice.log).toEqual(['other']);
  });

  it('rejects a middleware that calls next() twice', async () => {
    const bot = new Composer<TestCtx>(async (_ctx, next) => {
      await next();
      await next();
    });
    await expect(bot.run(ctxOf('text'))).rejects.toThrow('next() called multiple times');
  });
});
