// The studio's tokenizer worker in Node (worker_threads), for tests of tokenizer-worker-client.ts: the same
// tokenizerHost as the browser entry (src/worker/tokenizer-worker.ts), on a worker_threads port.
import { parentPort, Worker } from 'node:worker_threads';
import { tokenizerHost, type ToTokenizer } from '../../src/worker/tokenizer-host.ts';
import type { SpawnTokenizer } from '../../src/worker/tokenizer-worker-client.ts';

if (parentPort) {
  const port = parentPort;
  const handle = tokenizerHost((m, transfer) => port.postMessage(m, transfer as ArrayBuffer[]));
  port.on('message', (m: ToTokenizer) => handle(m));
}

/** Starts this file as a worker thread (TypeScript through bin/register.mjs, as the CLI runs). */
export const spawnNodeTokenizer: SpawnTokenizer = (onMessage, onFailure) => {
  const worker = new Worker(new URL(import.meta.url), { execArgv: ['--import', new URL('../../bin/register.mjs', import.meta.url).href] });
  worker.on('message', onMessage);
  worker.on('error', (e) => onFailure(String((e as Error)?.message ?? e)));
  worker.on('messageerror', () => onFailure('a message from it could not be read'));
  return { post: (m) => worker.postMessage(m), terminate: () => void worker.terminate() };
};
