// A GPT-2-style byte-level BPE tokenizer.json for random test models: GPT-2's bytes_to_unicode alphabet (256 byte
// tokens, ids 0..255, in that function's order), a few merges of frequent English pairs, and <|endoftext|> last
// (GPT-2's BOS = EOS). The schema is the one openai-community/gpt2's tokenizer.json uses.

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to 256 + n in byte order. */
export function bytesToUnicode(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable(b) ? b : 256 + n++));
  return out;
}

/** The tokenizer.json object and its vocabulary size (bytes + merges + <|endoftext|>). */
export function byteLevelTokenizerJson(merges: Array<[string, string]> = [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['Ġ', 'a'], ['i', 'n']]):
  { json: Record<string, unknown>; vocabSize: number; endOfText: number } {
  const vocab: Record<string, number> = {};
  bytesToUnicode().forEach((c, i) => { vocab[c] = i; });
  for (const [a, b] of merges) vocab[a + b] = Object.keys(vocab).length;
  const endOfText = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = endOfText;
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    json: {
      version: '1.0', truncation: null, padding: null,
      added_tokens: [{ id: endOfText, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
      normalizer: null, pre_tokenizer: byteLevel, post_processor: byteLevel, decoder: byteLevel,
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false,
        byte_fallback: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`) },
    },
    vocabSize: endOfText + 1,
    endOfText,
  };
}
