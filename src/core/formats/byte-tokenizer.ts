// Stand-in tokenizer for models that ship without one (random benchmark models): UTF-8 bytes mapped to
// ids byte + 3 (llama2.c's <0xNN> layout: 0 unk, 1 BOS, 2 EOS), wrapped into the vocabulary when it is
// smaller than 259. Only loadModel(..., { requireTokenizer: false }) hands it out, so a real model missing
// tokenizer.json still fails loudly instead of producing meaningless perplexities.
import type { TextTokenizer } from '../model/loaded-model.ts';

export class ByteTokenizer implements TextTokenizer {
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly addBos = true;
  constructor(readonly vocabSize: number) {
    this.bosId = vocabSize > 1 ? 1 : null;
    this.eosId = vocabSize > 2 ? 2 : null;
  }

  encode(text: string): number[] {
    return Array.from(new TextEncoder().encode(text), (b) => (b + 3) % this.vocabSize);
  }

  decode(ids: number[]): string {
    const bytes = ids.filter((id) => id >= 3 && id < 259).map((id) => id - 3);
    return new TextDecoder().decode(Uint8Array.from(bytes));
  }
}
