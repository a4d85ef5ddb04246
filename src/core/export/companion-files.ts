// The files an export copies from the source next to its weights: the tokenizer (and generation settings) of
// a Hugging Face folder; a llama2.c checkpoint's tokenizer .bin (Prunelab's HF-folder loader reads it when there
// is no tokenizer.json; transformers does not). A GGUF's vocabulary is embedded in the .gguf and not exported.
import type { ByteSource } from '../formats/byte-source.ts';
import type { LoadedModel } from '../model/loaded-model.ts';

/** Hugging Face folder files copied verbatim when present (config.json is rewritten, never copied). */
export const HF_COMPANIONS = [
  'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'generation_config.json', 'tokenizer.model',
  'added_tokens.json', 'vocab.json', 'merges.txt', 'chat_template.jinja',
];

export interface Companions {
  files: ByteSource[];
  /** What the export lacks compared with the source, for the report (absent when nothing). */
  note?: string;
}

const base = (name: string) => name.split('/').pop()!;

export function companionFiles(model: LoadedModel, sources: ByteSource[]): Companions {
  const byName = new Map(sources.map((s) => [base(s.name), s]));
  if (model.format === 'hf-safetensors') {
    return { files: HF_COMPANIONS.flatMap((n) => (byName.has(n) ? [byName.get(n)!] : [])) };
  }
  if (model.format === 'gguf') {
    return {
      files: [],
      note: 'GGUF source: its embedded vocabulary is not exported (no tokenizer.json); load the export with the tokenizer ' +
        'of the original model, or in Prunelab with a tokenizer.json added to the folder',
    };
  }
  // llama2.c: model.files = [checkpoint, tokenizer .bin] (the tokenizer that matched its vocabulary).
  const tok = model.files.slice(1).map((n) => byName.get(base(n))).filter((s): s is ByteSource => !!s);
  return {
    files: tok,
    note: 'llama2.c source: the tokenizer is exported as its llama2.c .bin, which Prunelab reads but transformers does ' +
      'not (there is no tokenizer.json)',
  };
}

/** Copies a source file to the target in chunks. Returns its size. */
export async function copyFile(src: ByteSource, write: (chunk: Uint8Array) => Promise<void>, chunkBytes = 4 * 1024 * 1024): Promise<number> {
  for (let at = 0; at < src.size; at += chunkBytes) await write(await src.read(at, Math.min(chunkBytes, src.size - at)));
  return src.size;
}
