// Entry point from files to a LoadedModel: recognises the format from the file set, then hands off to the
// format's reader. Nothing but headers is read here; tensors are decoded on demand (decode-tensor.ts).
import { BadModelFile } from '../errors.ts';
import { modelFingerprint } from '../model/fingerprint.ts';
import type { LoadedModel, TensorEntry, TextTokenizer } from '../model/loaded-model.ts';
import type { Dtype, ModelFormat, ModelSpec } from '../model/spec.ts';
import type { ByteSource } from './byte-source.ts';
import { ByteTokenizer } from './byte-tokenizer.ts';
import { loadGguf } from './gguf.ts';
import { loadHfFolder } from './hf-folder.ts';
import { type Llama2cHeader, llama2cSpec, llama2cTensors, readLlama2cHeader } from './llama2c.ts';
import { type Llama2cVocab, llama2cTokenizer, readLlama2cVocab } from './llama2c-tokenizer.ts';
import { checkTensors } from './tensor-check.ts';
import { quoteList } from '../quote.ts';

export interface LoadModelOptions {
  /**
   * Default true. false lets a model without a tokenizer load (random benchmark models) with a byte-level
   * stand-in tokenizer (byte-tokenizer.ts) instead of failing.
   */
  requireTokenizer?: boolean;
}

const EXPECTED =
  'Expected one of: a Hugging Face folder (config.json + model.safetensors or model.safetensors.index.json with its shards, ' +
  'plus tokenizer.json and tokenizer_config.json), a single .gguf file, or a llama2.c checkpoint .bin together with its ' +
  'tokenizer .bin (tokenizer.bin / tok*.bin).';

export async function loadModel(sources: ByteSource[], options: LoadModelOptions = {}): Promise<LoadedModel> {
  const requireTokenizer = options.requireTokenizer ?? true;
  const byName = new Map(sources.map((s) => [s.name.split('/').pop()!, s]));
  const listing = quoteList(sources.map((s) => s.name)) || '(no files)';
  const needTokenizer = (t: TextTokenizer | null, file: string, spec: ModelSpec): TextTokenizer => {
    if (t) return t;
    if (!requireTokenizer) return new ByteTokenizer(spec.vocabSize);
    throw new BadModelFile(file, `no tokenizer found (got: ${listing}). ${EXPECTED}`);
  };

  if (byName.has('config.json')) {
    const m = await loadHfFolder(byName);
    return finish('hf-safetensors', m.spec, m.tensors, needTokenizer(m.tokenizer, 'tokenizer.json', m.spec), m.files);
  }

  const ggufs = sources.filter((s) => s.name.toLowerCase().endsWith('.gguf'));
  if (ggufs.length > 1) throw new BadModelFile(ggufs[1].name, `several .gguf files given (${quoteList(ggufs.map((g) => g.name))}); give one (split GGUFs are not supported)`);
  if (ggufs.length === 1) {
    const m = await loadGguf(ggufs[0]);
    return finish('gguf', m.spec, checkTensors(m.spec, m.tensors, ggufs[0].name), m.tokenizer, [ggufs[0].name]);
  }

  // llama2.c: recognise checkpoints and tokenizers by content, since names vary (stories15M.bin, tok4096.bin ...).
  const checkpoints: { src: ByteSource; header: Llama2cHeader }[] = [];
  const vocabs: { src: ByteSource; vocab: Llama2cVocab }[] = [];
  for (const src of sources.filter((s) => s.name.toLowerCase().endsWith('.bin'))) {
    // Checkpoint first: a plausible header whose implied size matches is decisive and reads 40 bytes, whereas
    // recognising a tokenizer means walking the whole file. A size mismatch may still be a tokenizer file
    // (or a truncated checkpoint): only when the walk fails is the mismatch reported.
    let header: Llama2cHeader | null = null;
    let mismatch: unknown = null;
    try {
      header = await readLlama2cHeader(src);
    } catch (e) {
      mismatch = e;
    }
    if (header) { checkpoints.push({ src, header }); continue; }
    const vocab = await readLlama2cVocab(src);
    if (vocab) vocabs.push({ src, vocab });
    else if (mismatch) throw mismatch;
  }
  if (checkpoints.length > 1) throw new BadModelFile(checkpoints[1].src.name, `several llama2.c checkpoints given (${quoteList(checkpoints.map((c) => c.src.name))}); give one`);
  if (checkpoints.length === 1) {
    const { src, header } = checkpoints[0];
    const spec = llama2cSpec(header);
    const match = vocabs.find((v) => v.vocab.pieces.length === header.vocabSize);
    let tokenizer: TextTokenizer | null = null;
    if (match) tokenizer = llama2cTokenizer(match.vocab, match.src.name, header.vocabSize);
    else if (vocabs.length > 0 && requireTokenizer) {
      throw new BadModelFile(src.name, `needs a tokenizer with ${header.vocabSize} tokens; ${quoteList(vocabs.map((v) => `${v.src.name} has ${v.vocab.pieces.length}`))}`);
    }
    const tensors = checkTensors(spec, llama2cTensors(header, src), src.name);
    if (!tokenizer && requireTokenizer) {
      throw new BadModelFile(src.name, 'this llama2.c checkpoint needs its tokenizer file (tokenizer.bin or tok*.bin, e.g. tok512.bin) next to it; none was given');
    }
    return finish(header.version === 1 ? 'llama2c-v1' : 'llama2c-legacy', spec, tensors,
      needTokenizer(tokenizer, src.name, spec), [src.name, ...(match ? [match.src.name] : [])]);
  }
  throw new BadModelFile(sources[0]?.name ?? 'model', `could not recognise a model in: ${listing}. ${EXPECTED}`);
}

async function finish(format: ModelFormat, spec: ModelSpec, tensors: Map<string, TensorEntry>, tokenizer: TextTokenizer, files: string[]): Promise<LoadedModel> {
  checkTokenizerFits(tokenizer, spec, files[files.length > 1 ? files.length - 1 : 0]);
  return { format, spec, tensors, tokenizer, dtype: dominantDtype(tensors.values()), files, fingerprint: await modelFingerprint(spec, tensors.values()) };
}

/** The dtype holding the most weight elements (norms are often F32 in an otherwise F16/Q8_0 file). */
export function dominantDtype(tensors: Iterable<TensorEntry>): Dtype {
  const count = new Map<Dtype, number>();
  for (const t of tensors) count.set(t.dtype, (count.get(t.dtype) ?? 0) + t.shape.reduce((a, b) => a * b, 1));
  let best: Dtype = 'F32';
  let most = -1;
  for (const [d, n] of count) if (n > most) { best = d; most = n; }
  return best;
}

/** A tokenizer whose ids reach past the embedding would make the GPU read out of bounds: refused with both numbers. */
function checkTokenizerFits(tokenizer: TextTokenizer, spec: ModelSpec, file: string): void {
  const V = spec.vocabSize;
  // Added special tokens past the embedding are tolerated (some checkpoints ship them; the engine refuses such an
  // id if text ever produces it); a vocabulary proper larger than the embedding is the wrong tokenizer.
  const base = tokenizer.baseVocabSize ?? tokenizer.vocabSize;
  if (base > V) {
    throw new BadModelFile(file, `the tokenizer's vocabulary has ${base} tokens but the model's embedding has ${V} rows (a tokenizer of another model?)`);
  }
  for (const [what, id] of [['BOS', tokenizer.bosId], ['EOS', tokenizer.eosId]] as const) {
    if (id !== null && !(Number.isInteger(id) && id >= 0 && id < V)) {
      throw new BadModelFile(file, `the tokenizer's ${what} id ${id} is outside the model's vocabulary [0, ${V})`);
    }
  }
}
