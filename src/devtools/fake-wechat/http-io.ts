/**
 * Reading a request body and writing a response: the two pieces of node:http plumbing both
 * the API side and the `/__fake/` control side of the server use.
 */
import type http from 'node:http';

/** The whole request body, refused above `limit` bytes. */
export async function readBody(req: http.IncomingMessage, limit = 20 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) {
      throw new Error('body too large');
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Sends a complete response with its content length. */
export function send(
  res: http.ServerResponse,
  status: number,
  text: string | Buffer,
  contentType = 'application/json; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
