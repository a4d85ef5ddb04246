// The tokenizer worker's side of the protocol (docs/design.md §8): the same HfTokenizer as the studio worker's,
// built from the same tokenizer.json + tokenizer_config.json, encoding whole texts, a list per request. Free of globals
// so the browser entry (tokenizer-worker.ts) and the tests' worker_threads entry wire it to their own port.
import { BadRequest } from '../core/errors.ts';
import { HfTokenizer, type HfTokenizerSource } from '../core/formats/hf-tokenizer.ts';
import type { WorkerErrorInfo } from './api.ts';
import { toErrorInfo } from './error-info.ts';

export type ToTokenizer = { kind: 'load'; source: HfTokenizerSource } | { kind: 'encode'; id: number; texts: string[] };
/** Each text's ids WITHOUT BOS (windows.ts adds it) one after the other, text k's ending at ends[k]: typed arrays
 * are transferred, not copied. */
export type FromTokenizer = { id: number; ids: Int32Array; ends: Int32Array } | { id: number; error: WorkerErrorInfo };

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
      const each = m.texts.map((t) => tokenizer!.encode(t));
      const ends = new Int32Array(each.length);
      let n = 0;
      each.forEach((e, k) => { ends[k] = n += e.length; });
      const ids = new Int32Array(n);
      each.forEach((e, k) => ids.set(e, ends[k] - e.length));
      post({ id: m.id, ids, ends }, [ids.buffer, ends.buffer]);
    } catch (e) {
      post({ id: m.id, error: toErrorInfo(e) }, []);
    }
  };
}
