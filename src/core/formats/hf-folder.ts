// A Hugging Face model folder: config.json, model.safetensors or model.safetensors.index.json + shards,
// tokenizer.json (+ tokenizer_config.json), or instead a llama2.c tokenizer .bin (what Prunelab exports of
// llama2.c checkpoints carry, since they have no tokenizer.json).
import { BadModelFile } from '../errors.ts';
import type { TensorEntry, TextTokenizer } from '../model/loaded-model.ts';
import { type ModelSpec, tensorNames } from '../model/spec.ts';
import { type ByteSource, readText } from './byte-source.ts';
import { parseHfConfig } from './hf-config.ts';
import { HfTokenizer } from './hf-tokenizer.ts';
import { llama2cTokenizer, readLlama2cVocab } from './llama2c-tokenizer.ts';
import { readSafetensorsHeader } from './safetensors.ts';
import { parseJsonFile } from './bounded-json.ts';
import { quote, quoteList } from '../quote.ts';
import { checkTensors } from './tensor-check.ts';
import { splitFusedEntries } from '../model/fused-tensors.ts';

export interface HfFolderModel {
  spec: ModelSpec;
  tensors: Map<string, TensorEntry>;
  /** null when the folder has no tokenizer.json. */
  tokenizer: TextTokenizer | null;
  files: string[];
}

const INDEX = 'model.safetensors.index.json';

export async function loadHfFolder(byName: Map<string, ByteSource>): Promise<HfFolderModel> {
  const configSrc = byName.get('config.json')!;
  const spec = parseHfConfig(await readText(configSrc), configSrc.name);
  const { all, files } = await readWeights(byName);

  // Many small models say tie_word_embeddings false (or inherit it) yet ship no lm_head.weight; transformers
  // would then leave lm_head randomly initialised, which is never what the author meant, so treat them as tied.
  if (!spec.tieWordEmbeddings && !all.has(tensorNames.lmHead)) spec.tieWordEmbeddings = true;
  const where = quoteList(files);
  splitFusedEntries(spec, all, where);
  const tensors = checkTensors(spec, all, where);

  let tokenizer: TextTokenizer | null = null;
  const tokJson = byName.get('tokenizer.json');
  if (tokJson) {
    const cfgSrc = byName.get('tokenizer_config.json');
    tokenizer = new HfTokenizer(
      await readJson(tokJson),
      cfgSrc ? await readJson(cfgSrc) : {},
      spec.bosTokenId,
      spec.eosTokenId,
    );
    files.push(tokJson.name, ...(cfgSrc ? [cfgSrc.name] : []));
  } else {
    for (const [name, src] of byName) {
      if (!name.toLowerCase().endsWith('.bin')) continue;
      const vocab = await readLlama2cVocab(src);
      if (vocab?.pieces.length !== spec.vocabSize) continue;
      tokenizer = llama2cTokenizer(vocab, src.name, spec.vocabSize);
      files.push(src.name);
      break;
    }
  }
  return { spec, tensors, tokenizer, files: [configSrc.name, ...files] };
}

/** Every tensor of the single file or of the shards the index names, under its own name. */
async function readWeights(byName: Map<string, ByteSource>): Promise<{ all: Map<string, TensorEntry>; files: string[] }> {
  const all = new Map<string, TensorEntry>();
  const add = async (src: ByteSource, only?: Set<string>) => {
    const header = await readSafetensorsHeader(src);
    for (const t of header.tensors.values()) {
      if (only && !only.has(t.name)) continue;
      all.set(t.name, { name: t.name, dtype: t.dtype, shape: t.shape, source: src, byteOffset: t.byteOffset, byteLength: t.byteLength });
    }
  };

  const single = byName.get('model.safetensors');
  if (single) {
    await add(single);
    return { all, files: [single.name] };
  }
  const indexSrc = byName.get(INDEX);
  if (indexSrc) {
    const index = await readJson(indexSrc);
    const map = index.weight_map;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new BadModelFile(INDEX, 'has no "weight_map" object');
    const byShard = new Map<string, Set<string>>();
    for (const [tensor, shard] of Object.entries(map as Record<string, unknown>)) {
      if (typeof shard !== 'string') throw new BadModelFile(INDEX, `weight_map entry for ${quote(tensor)} is not a file name, got ${quote(shard)}`);
      if (!byShard.has(shard)) byShard.set(shard, new Set());
      byShard.get(shard)!.add(tensor);
    }
    for (const [shard, names] of byShard) {
      const src = byName.get(shard) ?? byName.get(shard.split('/').pop()!);
      if (!src) {
        throw new BadModelFile(INDEX, `weight_map points at shard ${quote(shard)} (${names.size} tensors) but that file was not provided; got: ${listing(byName)}`);
      }
      await add(src, names);
      for (const n of names) {
        if (!all.has(n)) throw new BadModelFile(src.name, `${INDEX} says tensor ${quote(n)} is in this shard but its header does not list it`);
      }
    }
    return { all, files: [indexSrc.name, ...byShard.keys()] };
  }
  const others = [...byName.keys()].filter((n) => n.endsWith('.safetensors'));
  if (others.length === 1) {
    await add(byName.get(others[0])!);
    return { all, files: others };
  }
  const torch = [...byName.keys()].some((n) => n.endsWith('.bin') || n.endsWith('.pt') || n.endsWith('.pth'));
  throw new BadModelFile(
    'config.json',
    `found a config but no weights: expected model.safetensors or ${INDEX} with its shards` +
      (torch ? ' (PyTorch .bin/.pt checkpoints are not supported: re-save with safetensors)' : '') +
      `; got: ${listing(byName)}`,
  );
}

/** The files given, for a message (a folder of thousands of files is cut short). */
const listing = (byName: Map<string, ByteSource>) => quoteList([...byName.keys()]);

async function readJson(src: ByteSource): Promise<Record<string, unknown>> {
  return parseJsonFile(await readText(src), src.name) as Record<string, unknown>;
}
