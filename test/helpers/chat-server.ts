// A scripted OpenAI-compatible chat-completions server on loopback for the LLM optimizer tests. It records every
// request and answers from a queue, so a test states exactly which replies (good, malformed, failing, hanging) the
// optimizer meets and in which order.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ScriptedReply =
  | { content: string }
  | { status: number; body: string }
  | { hang: true }
  | { refusal: string }
  | { raw: string };

export interface RecordedRequest {
  path: string;
  authorization: string | undefined;
  body: { model: string; temperature: number; messages: Array<{ role: string; content: string }> };
}

export interface ChatServer {
  /** Base URL without a path, e.g. http://127.0.0.1:41234 */
  url: string;
  requests: RecordedRequest[];
  /** Appends replies to the script. */
  push(...replies: ScriptedReply[]): void;
  /** Replies not yet consumed. */
  remaining(): number;
  /** Forgets the requests and the unconsumed replies. */
  reset(): void;
  close(): Promise<void>;
}

const completion = (message: Record<string, unknown>) => JSON.stringify({
  id: 'chatcmpl-test', object: 'chat.completion', created: 0, model: 'scripted',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }],
});

export async function startChatServer(): Promise<ChatServer> {
  const script: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const answer = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no route ${req.method} ${req.url}`);
      return;
    }
    requests.push({ path: req.url, authorization: req.headers.authorization, body: JSON.parse(raw) });
    const reply = script.shift();
    const json = (status: number, body: string) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    if (!reply) json(500, '{"error":"the test script has no reply left"}');
    else if ('hang' in reply) return; // left open until the client gives up or close() destroys the socket
    else if ('content' in reply) json(200, completion({ content: reply.content }));
    else if ('refusal' in reply) json(200, completion({ content: null, refusal: reply.refusal }));
    else if ('raw' in reply) json(200, reply.raw);
    else json(reply.status, reply.body);
  };

  const server = createServer((req, res) => {
    // What a browser page (cross-origin, cross-origin isolated) needs: CORS on every answer and the preflight.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'authorization, content-type',
        'Access-Control-Max-Age': '600',
      }).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    push: (...replies) => { script.push(...replies); },
    remaining: () => script.length,
    reset: () => { script.length = 0; requests.length = 0; },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy(); // hanging requests would keep the server (and vitest) alive
      server.close(() => resolve());
    }),
  };
}
