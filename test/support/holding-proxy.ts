/**
 * A proxy between fanhook processes and the fake WeChat API for crash tests. It forwards every
 * call, except that the answer to mass/send call number `holdCall` is swallowed: the fake has
 * created the mass job (WeChat received and accepted the batch) and the process waits for an
 * answer that never comes. Killing it then is the crash "after WeChat took the batch, before
 * fanhook wrote it down", without any timing guess. Each process may use its own base URL
 * (`${url}/a`, `${url}/b`): the prefix is stripped, and tells which process made a call.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const MASS_SEND = '/cgi-bin/message/mass/send';

export interface HoldingProxy {
  url: string;
  /** WeChat's answer to the held call, once the fake has given it. */
  heldAnswer(): string | undefined;
  /** The base-URL prefix (`a` for `${url}/a`) of the process whose call is held; '' without one. */
  heldFrom(): string | undefined;
  /** The prefixes of the mass/send calls, in order. */
  massSendsFrom(): string[];
  close(): Promise<void>;
}

const PREFIX = /^\/([a-z])(?=\/)/;

export async function startHoldingProxy(target: string, holdCall: number): Promise<HoldingProxy> {
  const massSends: string[] = [];
  let held: { answer: string; from: string } | undefined;
  const forward = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const from = PREFIX.exec(req.url ?? '')?.[1] ?? '';
    const pathAndQuery = (req.url ?? '/').replace(PREFIX, '');
    const upstream = await fetch(`${target}${pathAndQuery}`, {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      body: body.length > 0 ? body : undefined,
    });
    const answer = Buffer.from(await upstream.arrayBuffer());
    const isMassSend = req.method === 'POST' && new URL(pathAndQuery, target).pathname === MASS_SEND;
    if (isMassSend && massSends.push(from) === holdCall) {
      held = { answer: answer.toString('utf8'), from };
      return;
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(answer);
  };
  const server = http.createServer((req, res) => {
    forward(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(502);
      }
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    heldAnswer: () => held?.answer,
    heldFrom: () => held?.from,
    massSendsFrom: () => [...massSends],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The held answer's connection (and keep-alive ones) would otherwise keep close() waiting.
        server.closeAllConnections();
      }),
  };
}
