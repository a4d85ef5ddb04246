// The tokenizer of an exported ONNX model, from the files beside model.onnx (the export folder writes them):
// tokenizer.json (+ tokenizer_config.json), or a llama2.c tokenizer .bin whose size matches the vocabulary;
// config.json supplies the BOS / EOS ids when the tokenizer config names none.
import { BadModelFile } from '../../errors.ts';
import { readText, type ByteSource } from '../../formats/byte-source.ts';
import { HfTokenizer } from '../../formats/hf-tokenizer.ts';
import { llama2cTokenizer, readLlama2cVocab } from '../../formats/llama2c-tokenizer.ts';
import type { TextTokenizer } from '../../model/loaded-model.ts';

type Json = Record<string, unknown>;

async function readJson(src: ByteSource): Promise<Json> {
  try {
    const v = JSON.parse(await readText(src)) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Json;
  } catch (e) {
    throw new BadModelFile(src.name, `not valid JSON (${(e as Error).message})`);
  }
  throw new BadModelFile(src.name, 'top level is not a JSON object');
}

const id = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** `vocabSize`: the model's vocabulary (the ONNX logits' last dimension). `files`: the folder's other files. */
export async function folderTokenizer(files: ByteSource[], vocabSize: number): Promise<{ tokenizer: TextTokenizer; file: string }> {
  const byName = new Map(files.map((s) => [s.name.split('/').pop()!, s]));
  const config = byName.has('config.json') ? await readJson(byName.get('config.json')!) : {};
  const tokJson = byName.get('tokenizer.json');
  if (tokJson) {
    const cfg = byName.get('tokenizer_config.json');
    const tokenizer = new HfTokenizer(await readJson(tokJson), cfg ? await readJson(cfg) : {}, id(config.bos_token_id), id(config.eos_token_id));
    if (tokenizer.vocabSize > vocabSize) {
      throw new BadModelFile(tokJson.name, `has ${tokenizer.vocabSize} tokens but the model's vocabulary is ${vocabSize}`);
    }
    return { tokenizer, file: tokJson.name };
  }
  for (const [name, src] of byName) {
    if (!name.toLowerCase().endsWith('.bin')) continue;
    const vocab = await readLlama2cVocab(src);
    if (vocab?.pieces.length === vocabSize) return { tokenizer: llama2cTokenizer(vocab, src.name, vocabSize), file: src.name };
  }
  throw new BadModelFile('model.onnx', `no tokenizer beside it: expected tokenizer.json (+ tokenizer_config.json) or a llama2.c ` +
    `tokenizer .bin with ${vocabSize} tokens in the same folder (got ${[...byName.keys()].join(', ') || 'nothing'})`);
}
