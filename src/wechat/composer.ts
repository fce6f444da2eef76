/**
 * The update pipeline: a tree of `(ctx, next)` middleware in the grammY `Composer` style.
 * Features are plain middleware; `on`, `filter` and `branch` decide *whether* they run.
 */
import type { InboundKind } from './inbound.js';

export type NextFunction = () => Promise<void>;
export type Middleware<C> = (ctx: C, next: NextFunction) => unknown;

/** Anything with a `message.kind` can be routed by `on()`. */
interface HasMessage {
  message: { kind: InboundKind };
}

const noop: NextFunction = () => Promise.resolve();

/** Runs `middlewares` in order; each decides whether to call `next`. */
export function compose<C>(middlewares: readonly Middleware<C>[]): Middleware<C> {
  return async function composed(ctx: C, next: NextFunction): Promise<void> {
    let last = -1;
    const dispatch = async (i: number): Promise<void> => {
      if (i <= last) {
        throw new Error('next() called multiple times');
      }
      last = i;
      const mw = middlewares[i];
      if (!mw) {
        return next();
      }
      await mw(ctx, () => dispatch(i + 1));
    };
    await dispatch(0);
  };
}

/**
 * A list of middleware with routing helpers.
 * @example
 * const bot = new Composer<BotContext>();
 * bot.on('text', async (ctx, next) => { if (ctx.message.content === 'hi') await ctx.reply(textReply('你好')); else await next(); });
 */
export class Composer<C> {
  private readonly handlers: Middleware<C>[] = [];

  constructor(...middlewares: Middleware<C>[]) {
    this.handlers.push(...middlewares);
  }

  /** Appends middleware that runs for every update. */
  use(...middlewares: Middleware<C>[]): this {
    this.handlers.push(...middlewares);
    return this;
  }

  /** Runs the middleware only for the given message kinds; other updates pass through. */
  on<K extends InboundKind>(kinds: K | readonly K[], ...middlewares: Middleware<C & { message: { kind: K } }>[]): this {
    const set = new Set<InboundKind>(Array.isArray(kinds) ? kinds : [kinds as K]);
    const inner = compose(middlewares as Middleware<C>[]);
    return this.use(function onKind(ctx, next) {
      const kind = (ctx as unknown as HasMessage).message.kind;
      return set.has(kind) ? inner(ctx, next) : next();
    });
  }

  /** Runs the middleware only when `predicate` holds; otherwise passes through. */
  filter(predicate: (ctx: C) => boolean, ...middlewares: Middleware<C>[]): this {
    const inner = compose(middlewares);
    return this.use(function filtered(ctx, next) {
      return predicate(ctx) ? inner(ctx, next) : next();
    });
  }

  /** Chooses one of two middleware by `predicate`. */
  branch(predicate: (ctx: C) => boolean, whenTrue: Middleware<C>, whenFalse: Middleware<C>): this {
    return this.use(function branched(ctx, next) {
      return predicate(ctx) ? whenTrue(ctx, next) : whenFalse(ctx, next);
    });
  }

  /** The whole list as one middleware. */
  middleware(): Middleware<C> {
    return compose(this.handlers);
  }

  /** Runs the pipeline for one context; `next` of the last middleware is a no-op. */
  run(ctx: C): Promise<void> {
    return Promise.resolve(this.middleware()(ctx, noop)).then(() => undefined);
  }
}
