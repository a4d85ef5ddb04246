// Entry of the studio's tokenizer worker, a worker started by the studio worker (tokenizer-worker-client.ts):
// a tokenization it runs can be stopped by terminating it, which a synchronous encode in the studio worker cannot.
import { tokenizerHost, type ToTokenizer } from './tokenizer-host.ts';

const handle = tokenizerHost((m, transfer) => self.postMessage(m, { transfer }));
self.addEventListener('message', (e: MessageEvent<ToTokenizer>) => handle(e.data));
