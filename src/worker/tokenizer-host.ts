// The tokenizer worker's side of the protocol (docs/design.md §8): the same HfTokenizer as the studio worker's,
// built from the same tokenizer.json + tokenizer_config.json, encoding one whole text per request. Free of globals
// so the browser entry (tokenizer-worker.ts) and the tests' worker_threads entry wire it to their own port.
import { BadRequest } from '../core/errors.ts';
import { HfTokenizer, type HfTokenizerSource } from '../core/formats/hf-tokenizer.ts';
import type { WorkerErrorInfo } from './api.ts';
import { toErrorInfo } from './error-info.ts';

export type ToTokenizer = { kind: 'load'; source: HfTokenizerSource } | { kind: 'encode'; id: number; text: string };
/** The ids WITHOUT BOS (windows.ts adds it), as an Int32Array so that they are transferred, not copied. */
export type FromTokenizer = { id: number; ids: Int32Array } | { id: number; error: WorkerErrorInfo };

export function tokenizerHost(post: (m: FromTokenizer, transfer: Transferable[]) => void): (m: ToTokenizer) => void {
  let tokenizer: HfTokenizer | null = null;
  let loadError: unknown = new BadRequest('the tokenizer worker got text before its tokenizer');
  return (m) => {
    if (m.kind === 'load') {
      try {
        tokenizer = new HfTokenizer(m.source.tokenizerJson, m.source.tokenizerConfig, m.source.fallbackBos, m.source.fallbackEos);
      } catch (e) {
        tokenizer = null;
        loadError = e; // reported with the next text: a load has no reply of its own
      }
      return;
    }
    try {
      if (!tokenizer) throw loadError;
      const ids = Int32Array.from(tokenizer.encode(m.text));
      post({ id: m.id, ids }, [ids.buffer]);
    } catch (e) {
      post({ id: m.id, error: toErrorInfo(e) }, []);
    }
  };
}
