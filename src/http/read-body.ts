/**
 * Reads the raw request body as UTF-8 text with a size cap and a time limit, so an oversize
 * or slow-loris body is refused instead of held in memory.
 */
import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors.js';

export interface ReadBodyOptions {
  limitBytes: number;
  timeoutMs: number;
}

export function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.limitBytes) {
    return Promise.reject(new AppError(`body larger than ${options.limitBytes} bytes`, { code: 'body_too_large', status: 413 }));
  }
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: AppError): void => {
      cleanup();
      req.resume(); // drain without buffering so the socket can answer
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > options.limitBytes) {
        fail(new AppError(`body larger than ${options.limitBytes} bytes`, { code: 'body_too_large', status: 413 }));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size).toString('utf8'));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new AppError(`body could not be read: ${error.message}`, { code: 'bad_body', status: 400 }));
    };
    const timer = setTimeout(
      () => fail(new AppError('body not received in time', { code: 'body_timeout', status: 408 })),
      options.timeoutMs,
    );
    const cleanup = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
